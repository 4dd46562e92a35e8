// The change path as its sources see it (the Route 53 API, RFC 2136 UPDATE, later zone
// transfers): zones to read, batches to submit, changes to follow. The daemon implements
// it over the store and the snapshot publisher; a source never touches either itself.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "change/batch.h"
#include "change/content.h"
#include "policy/health_check.h"

namespace fz::change {

enum class ChangeStatus : uint8_t {
    kPending,  // durable in the store, not yet answered with
    kInsync,   // the snapshot that answers with it is published
};

struct ChangeInfo {
    std::string id;  // "C" and 13 more characters of [A-Z0-9], unique for the server's life
    ChangeStatus status = ChangeStatus::kPending;
    int64_t submitted_ms = 0;  // Unix time
    std::string comment;
};

// A failure in Route 53's terms: the API maps `code` to its HTTP status; UPDATE maps it
// to an rcode.
struct ServiceError {
    // NoSuchHostedZone, NoSuchChange, InvalidChangeBatch, InvalidInput, HostedZoneNotEmpty,
    // HostedZoneAlreadyExists, InvalidDomainName, NoSuchHealthCheck, HealthCheckInUse,
    // HealthCheckAlreadyExists, HealthCheckVersionMismatch, ServiceUnavailable (the store
    // could not write: nothing was applied).
    std::string code;
    std::string message;
    std::vector<std::string> messages;  // InvalidChangeBatch: one per bad change
};

// A value or a ServiceError.
template <typename T>
class [[nodiscard]] Outcome {
public:
    Outcome(T value) : v_(std::move(value)) {}             // NOLINT: implicit by design
    Outcome(ServiceError error) : v_(std::move(error)) {}  // NOLINT: implicit by design

    bool ok() const { return v_.index() == 0; }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T* operator->() { return &value(); }
    const ServiceError& error() const { return std::get<1>(v_); }

private:
    std::variant<T, ServiceError> v_;
};

struct ZoneSummary {
    std::string id;
    dns::Name origin;
    std::string caller_reference;
    std::string comment;
    size_t record_set_count = 0;
    // Configured with a zone file and not imported into the store: listed and read, never
    // changed through the API or UPDATE.
    bool file_managed = false;
};

struct CreatedZone {
    std::shared_ptr<const ZoneContent> zone;
    ChangeInfo change;
    std::vector<std::string> name_servers;  // the delegation set
};

// A health check created through the API (Route 53's HealthCheck element).
struct HealthCheckRecord {
    policy::HealthCheck check;  // Id and HealthCheckConfig, validated
    std::string caller_reference;
    uint64_t version = 1;    // HealthCheckVersion, bumped by each update
    bool from_file = false;  // configured in a health-checks file: read-only through the API
};

// One observation of a check (GetHealthCheckStatus's HealthCheckObservation).
struct HealthObservation {
    std::string checker;     // where it was observed from (this server's name)
    int64_t checked_ms = 0;  // Unix time of the last probe, 0 if none yet
    bool healthy = true;
    std::string reason;  // "HTTP 200", "connection refused", ...
};

// TestDNSAnswer's answer: what this server answers for a name and type, from the view
// of a resolver (and an ECS subnet, if given).
struct DnsAnswerTest {
    std::string nameserver;
    std::string record_name;
    std::string record_type;
    std::vector<std::string> record_data;  // presentation format
    std::string response_code;             // "NOERROR", "NXDOMAIN", ...
    std::string protocol = "UDP";
};

// One key-signing key as GetDNSSEC and CreateKeySigningKey show it (Route 53's
// KeySigningKey element).
struct KeySigningKeyInfo {
    std::string name;
    std::string kms_arn;
    std::string status;  // ACTIVE or INACTIVE
    uint16_t flag = 257;
    uint8_t algorithm = 13;  // SigningAlgorithmType; the mnemonic is ECDSAP256SHA256
    uint16_t key_tag = 0;
    std::string digest_hex;     // DigestValue: the SHA-256 DS digest, upper-case hex
    std::string public_key;     // PublicKey, base64
    std::string ds_record;      // "<tag> 13 2 <digest>"
    std::string dnskey_record;  // "257 3 13 <public key>"
    int64_t created_ms = 0;
    int64_t modified_ms = 0;
};

// GetDNSSEC's answer.
struct DnssecStatus {
    std::string serve_signature;  // SIGNING or NOT_SIGNING
    std::string message;
    std::vector<KeySigningKeyInfo> keys;
};

class Service {
public:
    virtual ~Service() = default;

    // Every zone served, in origin order (Route 53's ListHostedZonesByName order: reversed
    // labels).
    virtual std::vector<ZoneSummary> zones() const = 0;
    // A zone's current content (immutable; later changes make a new one), or null.
    virtual std::shared_ptr<const ZoneContent> zone(const std::string& id) const = 0;
    virtual std::optional<ZoneSummary> summary(const std::string& id) const = 0;
    // The NS names of zones created through the API (api.name_servers).
    virtual std::vector<std::string> name_servers() const = 0;

    // A new zone with an SOA and the delegation set's NS. A second request with the same
    // caller reference and origin returns the first one's zone and change.
    virtual Outcome<CreatedZone> create_zone(const dns::Name& origin, const std::string& caller_reference,
                                             const std::string& comment) = 0;
    // Refused with HostedZoneNotEmpty while any record set but the apex SOA and NS is left.
    virtual Outcome<ChangeInfo> delete_zone(const std::string& id) = 0;
    // Applies `batch` whole or not at all. On success the change is durable (it survives a
    // crash) and PENDING; it becomes INSYNC when the snapshot answering with it is published.
    virtual Outcome<ChangeInfo> submit(const std::string& zone_id, const Batch& batch) = 0;
    virtual Outcome<ChangeInfo> change(const std::string& change_id) const = 0;

    // Health checks, the API's and the configured file's, in Id order.
    virtual std::vector<HealthCheckRecord> health_checks() const = 0;
    virtual std::optional<HealthCheckRecord> health_check(const std::string& id) const = 0;
    // Validates `check` as the health-checks file loader does (its Id is assigned here);
    // a second request with the same caller reference returns the first one's check.
    virtual Outcome<HealthCheckRecord> create_health_check(const std::string& caller_reference,
                                                           policy::HealthCheck check) = 0;
    // Replaces the check's configuration (the API merges the request into the current
    // one first). `expected_version`, when given, must match (HealthCheckVersionMismatch).
    virtual Outcome<HealthCheckRecord> update_health_check(const std::string& id,
                                                           std::optional<uint64_t> expected_version,
                                                           policy::HealthCheck check) = 0;
    // Refused with HealthCheckInUse while a record set refers to it.
    virtual Outcome<bool> delete_health_check(const std::string& id) = 0;
    virtual Outcome<std::vector<HealthObservation>> health_check_status(const std::string& id) const = 0;

    // Route 53's DNSSEC for a zone of the store. A KSK is made and held by the server (the
    // KMS key's ARN is kept as a label); the ZSK is the server's to make and roll, as Route
    // 53's is. Changes are durable when they return, and served signed once INSYNC.
    // CreateKeySigningKey: at most two per zone; `name` 3-128 of [A-Za-z0-9._-].
    virtual Outcome<std::pair<KeySigningKeyInfo, ChangeInfo>> create_key_signing_key(
        const std::string& zone_id, const std::string& caller_reference, const std::string& name,
        const std::string& kms_arn, bool active) = 0;
    // Activate/DeactivateKeySigningKey. The last active KSK of a signing zone cannot be
    // deactivated (KeySigningKeyInUse).
    virtual Outcome<ChangeInfo> set_key_signing_key_status(const std::string& zone_id, const std::string& name,
                                                           bool active) = 0;
    // DeleteKeySigningKey: an INACTIVE key only (InvalidKeySigningKeyStatus).
    virtual Outcome<ChangeInfo> delete_key_signing_key(const std::string& zone_id, const std::string& name) = 0;
    // Enable/DisableHostedZoneDNSSEC. Enabling needs an ACTIVE KSK
    // (KeySigningKeyWithActiveStatusNotFound) and makes the zone's ZSK if it has none.
    virtual Outcome<ChangeInfo> set_dnssec(const std::string& zone_id, bool enabled) = 0;
    virtual Outcome<DnssecStatus> dnssec(const std::string& zone_id) const = 0;

    // TestDNSAnswer: NoSuchHostedZone for an unknown zone, InvalidInput for a bad name,
    // type or address.
    virtual Outcome<DnsAnswerTest> test_dns_answer(const std::string& zone_id, const std::string& record_name,
                                                   const std::string& record_type, const std::string& resolver_ip,
                                                   const std::string& client_subnet_ip,
                                                   std::optional<int> client_subnet_mask) const = 0;
};

}  // namespace fz::change
