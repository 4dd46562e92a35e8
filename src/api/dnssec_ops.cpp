// DNSSEC signing of hosted zones: CreateKeySigningKey, Activate/Deactivate/DeleteKeySigningKey,
// Enable/DisableHostedZoneDNSSEC and GetDNSSEC, in Route 53's XML (cold).
#include "api/operations.h"
#include "api/xml.h"

namespace fz::api::ops {
namespace {

void write_key_signing_key(pugi::xml_node parent, const change::KeySigningKeyInfo& k) {
    pugi::xml_node n = parent.append_child("KeySigningKey");
    xml::add_text(n, "Name", k.name);
    xml::add_text(n, "KmsArn", k.kms_arn);
    xml::add_text(n, "Flag", std::to_string(k.flag));
    xml::add_text(n, "SigningAlgorithmMnemonic", k.algorithm == 15 ? "ED25519" : "ECDSAP256SHA256");
    xml::add_text(n, "SigningAlgorithmType", std::to_string(k.algorithm));
    xml::add_text(n, "DigestAlgorithmMnemonic", "SHA-256");
    xml::add_text(n, "DigestAlgorithmType", "2");
    xml::add_text(n, "KeyTag", std::to_string(k.key_tag));
    xml::add_text(n, "DigestValue", k.digest_hex);
    xml::add_text(n, "PublicKey", k.public_key);
    xml::add_text(n, "DSRecord", k.ds_record);
    xml::add_text(n, "DNSKEYRecord", k.dnskey_record);
    xml::add_text(n, "Status", k.status);
    xml::add_text(n, "CreatedDate", xml::iso_time(k.created_ms));
    xml::add_text(n, "LastModifiedDate", xml::iso_time(k.modified_ms));
}

// A ChangeInfo under `root`, or the service's error.
Response change_response(const Context& c, const char* root, const change::Outcome<change::ChangeInfo>& done) {
    if (!done.ok()) return service_error(done.error(), c.call.request_id);
    pugi::xml_document out;
    xml::write_change_info(xml::start(out, root), done.value());
    return xml_response(out, c.call.request_id);
}

}  // namespace

Response create_key_signing_key(const Context& c) {
    pugi::xml_document doc;
    Response error;
    if (!parse_body(c, "CreateKeySigningKeyRequest", doc, &error)) return error;
    pugi::xml_node root = doc.document_element();
    const std::string zone = xml::child_text(root, "HostedZoneId");
    const std::string name = xml::child_text(root, "Name");
    const std::string status = xml::child_text(root, "Status");
    if (zone.empty()) return invalid_input(c, "Invalid request: missing HostedZoneId");
    // The zone is in the body here, not the path: the key's grant is checked against it.
    if (!c.key.allows(c.call.operation, zone)) {
        return error_response(403, "AccessDenied",
                              "User: " + c.key.access_key_id + " is not authorized to perform: route53:" +
                                  c.call.operation + " on resource: arn:aws:route53:::hostedzone/" + zone,
                              c.call.request_id);
    }
    if (status != "ACTIVE" && status != "INACTIVE") {
        return error_response(400, "InvalidKeySigningKeyStatus", "Status must be ACTIVE or INACTIVE",
                              c.call.request_id);
    }
    auto created = c.service.create_key_signing_key(zone, xml::child_text(root, "CallerReference"), name,
                                                    xml::child_text(root, "KeyManagementServiceArn"),
                                                    status == "ACTIVE");
    if (!created.ok()) return service_error(created.error(), c.call.request_id);
    pugi::xml_document out;
    pugi::xml_node r = xml::start(out, "CreateKeySigningKeyResponse");
    xml::write_change_info(r, created->second);
    write_key_signing_key(r, created->first);
    Response resp = xml_response(out, c.call.request_id, 201);
    resp.headers.emplace_back("Location", location(c, "keysigningkey/" + zone + "/" + name));
    return resp;
}

Response activate_key_signing_key(const Context& c) {
    return change_response(c, "ActivateKeySigningKeyResponse",
                           c.service.set_key_signing_key_status(c.id(), c.call.subresource, true));
}

Response deactivate_key_signing_key(const Context& c) {
    return change_response(c, "DeactivateKeySigningKeyResponse",
                           c.service.set_key_signing_key_status(c.id(), c.call.subresource, false));
}

Response delete_key_signing_key(const Context& c) {
    return change_response(c, "DeleteKeySigningKeyResponse",
                           c.service.delete_key_signing_key(c.id(), c.call.subresource));
}

Response enable_hosted_zone_dnssec(const Context& c) {
    return change_response(c, "EnableHostedZoneDNSSECResponse", c.service.set_dnssec(c.id(), true));
}

Response disable_hosted_zone_dnssec(const Context& c) {
    return change_response(c, "DisableHostedZoneDNSSECResponse", c.service.set_dnssec(c.id(), false));
}

Response get_dnssec(const Context& c) {
    auto status = c.service.dnssec(c.id());
    if (!status.ok()) return service_error(status.error(), c.call.request_id);
    pugi::xml_document out;
    pugi::xml_node r = xml::start(out, "GetDNSSECResponse");
    pugi::xml_node s = r.append_child("Status");
    xml::add_text(s, "ServeSignature", status->serve_signature);
    if (!status->message.empty()) xml::add_text(s, "StatusMessage", status->message);
    pugi::xml_node keys = r.append_child("KeySigningKeys");
    for (const change::KeySigningKeyInfo& k : status->keys) {
        write_key_signing_key(keys, k);
        keys.last_child().set_name("member");  // rest-xml's list member
    }
    return xml_response(out, c.call.request_id);
}

}  // namespace fz::api::ops
