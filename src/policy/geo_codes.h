// Reference data Route 53 validates against: continent and country codes, AWS region coordinates.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fz::policy {

// True for Route 53's continent codes: AF AN AS EU OC NA SA.
bool is_continent_code(std::string_view code);

// Continent of an ISO 3166-1 alpha-2 country code (plus XK, Kosovo, which GeoIP
// databases use); empty when the code is unknown.
std::string_view continent_of_country(std::string_view country);

// Route 53 subdivision codes are 1-3 letters or digits (US states, Ukrainian oblasts,
// ISO 3166-2 subdivisions); the list changes, so the format is what is checked.
bool is_subdivision_code_format(std::string_view code);

struct Coordinates {
    double latitude;
    double longitude;
};

// Approximate city coordinates of a public AWS region ("eu-west-1" is Dublin), for
// geoproximity records that name AWSRegion; nullopt for an unknown region.
std::optional<Coordinates> aws_region_coordinates(std::string_view region);

// Great-circle distance in kilometres (haversine on a sphere of 6371 km).
double great_circle_km(Coordinates a, Coordinates b);

}  // namespace fz::policy
