// The field layout table: one constant array of fields per RR type.
#include "zone/rdata_layout.h"

#include "dns/wire.h"

namespace fz::zone {
namespace {

template <size_t N>
constexpr Layout layout(const FieldSpec (&f)[N]) {
    return Layout{f, N};
}

constexpr FieldSpec kLayoutA[] = {{Field::kIPv4, "IPv4 address"}};
constexpr FieldSpec kLayoutAAAA[] = {{Field::kIPv6, "IPv6 address"}};
constexpr FieldSpec kLayoutNS[] = {{Field::kName, "name server"}};
constexpr FieldSpec kLayoutCNAME[] = {{Field::kName, "canonical name"}};
constexpr FieldSpec kLayoutPTR[] = {{Field::kName, "domain name"}};
constexpr FieldSpec kLayoutDNAME[] = {{Field::kName, "target"}};
constexpr FieldSpec kLayoutSOA[] = {{Field::kName, "primary name server"},
                                    {Field::kName, "responsible mailbox"},
                                    {Field::kU32, "serial"},
                                    {Field::kTimer, "refresh"},
                                    {Field::kTimer, "retry"},
                                    {Field::kTimer, "expire"},
                                    {Field::kTimer, "minimum"}};
constexpr FieldSpec kLayoutMX[] = {{Field::kU16, "preference"}, {Field::kName, "exchange"}};
constexpr FieldSpec kLayoutAFSDB[] = {{Field::kU16, "subtype"}, {Field::kName, "hostname"}};
constexpr FieldSpec kLayoutKX[] = {{Field::kU16, "preference"}, {Field::kName, "exchanger"}};
constexpr FieldSpec kLayoutTXT[] = {{Field::kCharStrings, "text"}};
constexpr FieldSpec kLayoutHINFO[] = {{Field::kCharString, "CPU"}, {Field::kCharString, "OS"}};
constexpr FieldSpec kLayoutRP[] = {{Field::kName, "mailbox"}, {Field::kName, "TXT domain"}};
constexpr FieldSpec kLayoutSRV[] = {
    {Field::kU16, "priority"}, {Field::kU16, "weight"}, {Field::kU16, "port"}, {Field::kName, "target"}};
constexpr FieldSpec kLayoutNAPTR[] = {{Field::kU16, "order"},         {Field::kU16, "preference"},
                                      {Field::kCharString, "flags"},  {Field::kCharString, "services"},
                                      {Field::kCharString, "regexp"}, {Field::kName, "replacement"}};
constexpr FieldSpec kLayoutSSHFP[] = {
    {Field::kU8, "algorithm"}, {Field::kU8, "fingerprint type"}, {Field::kHex, "fingerprint"}};
constexpr FieldSpec kLayoutTLSA[] = {
    {Field::kU8, "usage"}, {Field::kU8, "selector"}, {Field::kU8, "matching type"}, {Field::kHex, "certificate data"}};
constexpr FieldSpec kLayoutDS[] = {
    {Field::kU16, "key tag"}, {Field::kAlgorithm, "algorithm"}, {Field::kU8, "digest type"}, {Field::kHex, "digest"}};
constexpr FieldSpec kLayoutDNSKEY[] = {
    {Field::kU16, "flags"}, {Field::kU8, "protocol"}, {Field::kAlgorithm, "algorithm"}, {Field::kBase64, "public key"}};
constexpr FieldSpec kLayoutRRSIG[] = {
    {Field::kType, "type covered"}, {Field::kAlgorithm, "algorithm"}, {Field::kU8, "labels"},
    {Field::kU32, "original TTL"},  {Field::kTime, "expiration"},     {Field::kTime, "inception"},
    {Field::kU16, "key tag"},       {Field::kName, "signer"},         {Field::kBase64, "signature"}};
constexpr FieldSpec kLayoutNSEC[] = {{Field::kName, "next name"}, {Field::kBitmap, "type bitmap"}};
constexpr FieldSpec kLayoutNSEC3[] = {{Field::kU8, "hash algorithm"},        {Field::kU8, "flags"},
                                      {Field::kU16, "iterations"},           {Field::kSalt, "salt"},
                                      {Field::kHash32, "next hashed owner"}, {Field::kBitmap, "type bitmap"}};
constexpr FieldSpec kLayoutNSEC3PARAM[] = {
    {Field::kU8, "hash algorithm"}, {Field::kU8, "flags"}, {Field::kU16, "iterations"}, {Field::kSalt, "salt"}};
constexpr FieldSpec kLayoutCSYNC[] = {{Field::kU32, "serial"}, {Field::kU16, "flags"}, {Field::kBitmap, "type bitmap"}};
constexpr FieldSpec kLayoutZONEMD[] = {
    {Field::kU32, "serial"}, {Field::kU8, "scheme"}, {Field::kU8, "hash algorithm"}, {Field::kHex, "digest"}};
constexpr FieldSpec kLayoutURI[] = {{Field::kU16, "priority"}, {Field::kU16, "weight"}, {Field::kString, "target"}};
constexpr FieldSpec kLayoutCAA[] = {{Field::kU8, "flags"}, {Field::kCaaTag, "tag"}, {Field::kString, "value"}};
constexpr FieldSpec kLayoutOPENPGPKEY[] = {{Field::kBase64, "public key"}};
constexpr FieldSpec kLayoutDHCID[] = {{Field::kBase64, "digest"}};
constexpr FieldSpec kLayoutEUI48[] = {{Field::kEui48, "address"}};
constexpr FieldSpec kLayoutEUI64[] = {{Field::kEui64, "address"}};
constexpr FieldSpec kLayoutNID[] = {{Field::kU16, "preference"}, {Field::kIlnp64, "node ID"}};
constexpr FieldSpec kLayoutL64[] = {{Field::kU16, "preference"}, {Field::kIlnp64, "locator"}};
constexpr FieldSpec kLayoutL32[] = {{Field::kU16, "preference"}, {Field::kIPv4, "locator"}};
constexpr FieldSpec kLayoutLP[] = {{Field::kU16, "preference"}, {Field::kName, "FQDN"}};
constexpr FieldSpec kLayoutCERT[] = {{Field::kCertType, "certificate type"},
                                     {Field::kU16, "key tag"},
                                     {Field::kAlgorithm, "algorithm"},
                                     {Field::kBase64, "certificate"}};
constexpr FieldSpec kLayoutIPSECKEY[] = {{Field::kU8, "precedence"},
                                         {Field::kU8, "gateway type"},
                                         {Field::kAlgorithm, "algorithm"},
                                         {Field::kGateway, "gateway"},
                                         {Field::kBase64Opt, "public key"}};
constexpr FieldSpec kLayoutSVCB[] = {
    {Field::kU16, "priority"}, {Field::kName, "target"}, {Field::kSvcParams, "parameters"}};
constexpr FieldSpec kLayoutLOC[] = {{Field::kLoc, "location"}};
constexpr FieldSpec kLayoutAPL[] = {{Field::kApl, "address prefix list"}};

}  // namespace

std::optional<Layout> layout_of(uint16_t type) {
    namespace t = dns::type;
    switch (type) {
        case t::A: return layout(kLayoutA);
        case t::AAAA: return layout(kLayoutAAAA);
        case t::NS: return layout(kLayoutNS);
        case t::CNAME: return layout(kLayoutCNAME);
        case t::PTR: return layout(kLayoutPTR);
        case t::DNAME: return layout(kLayoutDNAME);
        case t::SOA: return layout(kLayoutSOA);
        case t::MX: return layout(kLayoutMX);
        case t::AFSDB: return layout(kLayoutAFSDB);
        case t::KX: return layout(kLayoutKX);
        case t::TXT:
        case t::SPF: return layout(kLayoutTXT);
        case t::HINFO: return layout(kLayoutHINFO);
        case t::RP: return layout(kLayoutRP);
        case t::SRV: return layout(kLayoutSRV);
        case t::NAPTR: return layout(kLayoutNAPTR);
        case t::SSHFP: return layout(kLayoutSSHFP);
        case t::TLSA:
        case t::SMIMEA: return layout(kLayoutTLSA);
        case t::DS:
        case t::CDS: return layout(kLayoutDS);
        case t::DNSKEY:
        case t::CDNSKEY:
        case t::KEY: return layout(kLayoutDNSKEY);
        case t::RRSIG:
        case t::SIG: return layout(kLayoutRRSIG);
        case t::NSEC: return layout(kLayoutNSEC);
        case t::NSEC3: return layout(kLayoutNSEC3);
        case t::NSEC3PARAM: return layout(kLayoutNSEC3PARAM);
        case t::CSYNC: return layout(kLayoutCSYNC);
        case t::ZONEMD: return layout(kLayoutZONEMD);
        case t::URI: return layout(kLayoutURI);
        case t::CAA: return layout(kLayoutCAA);
        case t::OPENPGPKEY: return layout(kLayoutOPENPGPKEY);
        case t::DHCID: return layout(kLayoutDHCID);
        case t::EUI48: return layout(kLayoutEUI48);
        case t::EUI64: return layout(kLayoutEUI64);
        case t::NID: return layout(kLayoutNID);
        case t::L64: return layout(kLayoutL64);
        case t::L32: return layout(kLayoutL32);
        case t::LP: return layout(kLayoutLP);
        case t::CERT: return layout(kLayoutCERT);
        case t::IPSECKEY: return layout(kLayoutIPSECKEY);
        case t::SVCB:
        case t::HTTPS: return layout(kLayoutSVCB);
        case t::LOC: return layout(kLayoutLOC);
        case t::APL: return layout(kLayoutAPL);
        default: return std::nullopt;
    }
}

}  // namespace fz::zone
