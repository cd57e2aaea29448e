// address_list_fuzzer.cc: RFC 5322 address lists (mta/lib/address) on arbitrary bytes.
//
// Each input is parsed without and with the RFC 6532 UTF-8 option. Invariants checked:
//   - whatever parsed formats to canonical text that parses again (same options) to an
//     equal value, and formatting that value gives the same text (fixed point);
//   - an input that is an addr-spec is also a mailbox with that addr-spec, and a mailbox
//     is also a one-element address list holding it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "mta/lib/address/addr_spec.h"
#include "mta/lib/address/address_list.h"
#include "mta/lib/address/format.h"

namespace {

using namespace mta::address;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void RunOne(std::string_view in, const ParseOptions& o) {
  AddressListResult list = ParseAddressList(in, o);
  if (list.ok) {
    Check(!list.addresses.empty());
    std::string text = FormatAddressList(list.addresses);
    AddressListResult again = ParseAddressList(text, o);
    Check(again.ok);
    Check(again.addresses == list.addresses);
    Check(FormatAddressList(again.addresses) == text);
  } else {
    Check(!list.error.empty() && list.error_offset <= in.size());
  }

  AddrSpecResult spec = ParseAddrSpec(in, o);
  MailboxResult mbox = ParseMailbox(in, o);
  if (spec.ok) {
    AddrSpecResult again = ParseAddrSpec(FormatAddrSpec(spec.addr_spec), o);
    Check(again.ok && again.addr_spec == spec.addr_spec);
    // RFC 5322 3.4: mailbox = name-addr / addr-spec.
    Check(mbox.ok && mbox.mailbox.addr_spec == spec.addr_spec &&
          mbox.mailbox.display_name.empty() && mbox.mailbox.route.empty());
  }
  if (mbox.ok) {
    MailboxResult again = ParseMailbox(FormatMailbox(mbox.mailbox), o);
    Check(again.ok && again.mailbox == mbox.mailbox);
    // address-list = address *("," address); address = mailbox / group.
    Check(list.ok && list.addresses.size() == 1 &&
          std::holds_alternative<Mailbox>(list.addresses[0]) &&
          std::get<Mailbox>(list.addresses[0]) == mbox.mailbox);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;  // keeps each run bounded; the parsers are linear anyway
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ParseOptions ascii;
  RunOne(in, ascii);
  ParseOptions utf8;
  utf8.allow_utf8 = true;
  RunOne(in, utf8);
  return 0;
}
