// Reference data Route 53 validates against: continent and country codes, AWS region coordinates.
#include "policy/geo_codes.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace fz::policy {
namespace {

// Country code followed by its continent, sorted by country (ISO 3166-1 from tzdata's
// iso3166.tab, continents as GeoNames/MaxMind assign them).
constexpr const char* kCountries[] = {
    "ADEU", "AEAS", "AFAS", "AGNA", "AINA", "ALEU", "AMAS", "AOAF", "AQAN", "ARSA", "ASOC", "ATEU", "AUOC", "AWNA",
    "AXEU", "AZAS", "BAEU", "BBNA", "BDAS", "BEEU", "BFAF", "BGEU", "BHAS", "BIAF", "BJAF", "BLNA", "BMNA", "BNAS",
    "BOSA", "BQNA", "BRSA", "BSNA", "BTAS", "BVAN", "BWAF", "BYEU", "BZNA", "CANA", "CCAS", "CDAF", "CFAF", "CGAF",
    "CHEU", "CIAF", "CKOC", "CLSA", "CMAF", "CNAS", "COSA", "CRNA", "CUNA", "CVAF", "CWNA", "CXAS", "CYEU", "CZEU",
    "DEEU", "DJAF", "DKEU", "DMNA", "DONA", "DZAF", "ECSA", "EEEU", "EGAF", "EHAF", "ERAF", "ESEU", "ETAF", "FIEU",
    "FJOC", "FKSA", "FMOC", "FOEU", "FREU", "GAAF", "GBEU", "GDNA", "GEAS", "GFSA", "GGEU", "GHAF", "GIEU", "GLNA",
    "GMAF", "GNAF", "GPNA", "GQAF", "GREU", "GSSA", "GTNA", "GUOC", "GWAF", "GYSA", "HKAS", "HMAN", "HNNA", "HREU",
    "HTNA", "HUEU", "IDAS", "IEEU", "ILAS", "IMEU", "INAS", "IOAS", "IQAS", "IRAS", "ISEU", "ITEU", "JEEU", "JMNA",
    "JOAS", "JPAS", "KEAF", "KGAS", "KHAS", "KIOC", "KMAF", "KNNA", "KPAS", "KRAS", "KWAS", "KYNA", "KZAS", "LAAS",
    "LBAS", "LCNA", "LIEU", "LKAS", "LRAF", "LSAF", "LTEU", "LUEU", "LVEU", "LYAF", "MAAF", "MCEU", "MDEU", "MEEU",
    "MFNA", "MGAF", "MHOC", "MKEU", "MLAF", "MMAS", "MNAS", "MOAS", "MPOC", "MQNA", "MRAF", "MSNA", "MTEU", "MUAF",
    "MVAS", "MWAF", "MXNA", "MYAS", "MZAF", "NAAF", "NCOC", "NEAF", "NFOC", "NGAF", "NINA", "NLEU", "NOEU", "NPAS",
    "NROC", "NUOC", "NZOC", "OMAS", "PANA", "PESA", "PFOC", "PGOC", "PHAS", "PKAS", "PLEU", "PMNA", "PNOC", "PRNA",
    "PSAS", "PTEU", "PWOC", "PYSA", "QAAS", "REAF", "ROEU", "RSEU", "RUEU", "RWAF", "SAAS", "SBOC", "SCAF", "SDAF",
    "SEEU", "SGAS", "SHAF", "SIEU", "SJEU", "SKEU", "SLAF", "SMEU", "SNAF", "SOAF", "SRSA", "SSAF", "STAF", "SVNA",
    "SXNA", "SYAS", "SZAF", "TCNA", "TDAF", "TFAN", "TGAF", "THAS", "TJAS", "TKOC", "TLAS", "TMAS", "TNAF", "TOOC",
    "TRAS", "TTNA", "TVOC", "TWAS", "TZAF", "UAEU", "UGAF", "UMOC", "USNA", "UYSA", "UZAS", "VAEU", "VCNA", "VESA",
    "VGNA", "VINA", "VNAS", "VUOC", "WFOC", "WSOC", "XKEU", "YEAS", "YTAF", "ZAAF", "ZMAF", "ZWAF",
};

struct Region {
    const char* name;
    Coordinates where;
};

// Public AWS regions at the city they are named after or sit near.
constexpr Region kRegions[] = {
    {"af-south-1", {-33.92, 18.42}},       // Cape Town
    {"ap-east-1", {22.32, 114.17}},        // Hong Kong
    {"ap-east-2", {25.03, 121.57}},        // Taipei
    {"ap-northeast-1", {35.68, 139.69}},   // Tokyo
    {"ap-northeast-2", {37.57, 126.98}},   // Seoul
    {"ap-northeast-3", {34.69, 135.50}},   // Osaka
    {"ap-south-1", {19.08, 72.88}},        // Mumbai
    {"ap-south-2", {17.39, 78.49}},        // Hyderabad
    {"ap-southeast-1", {1.35, 103.82}},    // Singapore
    {"ap-southeast-2", {-33.87, 151.21}},  // Sydney
    {"ap-southeast-3", {-6.21, 106.85}},   // Jakarta
    {"ap-southeast-4", {-37.81, 144.96}},  // Melbourne
    {"ap-southeast-5", {3.14, 101.69}},    // Kuala Lumpur
    {"ap-southeast-7", {13.76, 100.50}},   // Bangkok
    {"ca-central-1", {45.50, -73.57}},     // Montreal
    {"ca-west-1", {51.05, -114.07}},       // Calgary
    {"cn-north-1", {39.90, 116.41}},       // Beijing
    {"cn-northwest-1", {38.49, 106.23}},   // Ningxia
    {"eu-central-1", {50.11, 8.68}},       // Frankfurt
    {"eu-central-2", {47.38, 8.54}},       // Zurich
    {"eu-north-1", {59.33, 18.07}},        // Stockholm
    {"eu-south-1", {45.46, 9.19}},         // Milan
    {"eu-south-2", {41.65, -0.88}},        // Aragon
    {"eu-west-1", {53.35, -6.26}},         // Dublin
    {"eu-west-2", {51.51, -0.13}},         // London
    {"eu-west-3", {48.86, 2.35}},          // Paris
    {"il-central-1", {32.09, 34.78}},      // Tel Aviv
    {"me-central-1", {25.20, 55.27}},      // UAE
    {"me-south-1", {26.07, 50.56}},        // Bahrain
    {"mx-central-1", {20.59, -100.39}},    // Queretaro
    {"sa-east-1", {-23.55, -46.63}},       // Sao Paulo
    {"us-east-1", {39.04, -77.49}},        // Northern Virginia
    {"us-east-2", {39.96, -83.00}},        // Ohio
    {"us-gov-east-1", {39.96, -83.00}},    // GovCloud, Ohio
    {"us-gov-west-1", {45.52, -122.68}},   // GovCloud, Oregon
    {"us-west-1", {37.77, -122.42}},       // Northern California
    {"us-west-2", {45.84, -119.70}},       // Oregon
};

}  // namespace

bool is_continent_code(std::string_view code) {
    static constexpr std::array<std::string_view, 7> kContinents = {"AF", "AN", "AS", "EU", "NA", "OC", "SA"};
    return std::find(kContinents.begin(), kContinents.end(), code) != kContinents.end();
}

std::string_view continent_of_country(std::string_view country) {
    if (country.size() != 2) return {};
    const auto* end = std::end(kCountries);
    const auto* it = std::lower_bound(std::begin(kCountries), end, country, [](const char* entry, std::string_view c) {
        return std::string_view(entry, 2) < c;
    });
    if (it == end || std::string_view(*it, 2) != country) return {};
    return std::string_view(*it + 2, 2);
}

bool is_subdivision_code_format(std::string_view code) {
    return !code.empty() && code.size() <= 3 && std::all_of(code.begin(), code.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    });
}

std::optional<Coordinates> aws_region_coordinates(std::string_view region) {
    for (const Region& r : kRegions) {
        if (region == r.name) return r.where;
    }
    return std::nullopt;
}

double great_circle_km(Coordinates a, Coordinates b) {
    constexpr double kEarthRadiusKm = 6371.0;
    constexpr double kRad = 3.14159265358979323846 / 180.0;
    const double dlat = (b.latitude - a.latitude) * kRad;
    const double dlon = (b.longitude - a.longitude) * kRad;
    const double h = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(a.latitude * kRad) *
                                                                   std::cos(b.latitude * kRad) * std::sin(dlon / 2) *
                                                                   std::sin(dlon / 2);
    return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

}  // namespace fz::policy
