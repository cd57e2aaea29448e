// address_list.h: RFC 5322 mailboxes, groups and address lists.
//
// RFC 5322 3.4 (address, mailbox, name-addr, angle-addr, group, display-name,
// mailbox-list, address-list, group-list), 3.2.5 (phrase), 4.4 (obs-angle-addr with
// obs-route, obs-phrase, obs-mbox-list, obs-addr-list, obs-group-list). Display names are
// decoded: comments removed, quoted-strings unquoted, each run of CFWS between words
// read as one space (RFC 5322 3.2.2); RFC 2047 encoded-words are left as they are.
//
//   AddressListResult r = ParseAddressList("\"Joe Q. Public\" <john@example.com>, "
//                                          "Friends: a@x.test, b@x.test;");
//   std::get<Mailbox>(r.addresses[0]).display_name == "Joe Q. Public"
//   std::get<Group>(r.addresses[1]).mailboxes.size() == 2
#ifndef MTA_LIB_ADDRESS_ADDRESS_LIST_H_
#define MTA_LIB_ADDRESS_ADDRESS_LIST_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mta/lib/address/addr_spec.h"
#include "mta/lib/address/findings.h"

namespace mta::address {

struct Mailbox {
  std::string display_name;        // decoded phrase; "" when there is none
  AddrSpec addr_spec;
  std::vector<std::string> route;  // obs-route domains (semantic, "[..]" for literals)
  std::vector<Finding> findings;   // findings of this mailbox (not part of equality)

  friend bool operator==(const Mailbox& a, const Mailbox& b) {
    return a.display_name == b.display_name && a.addr_spec == b.addr_spec &&
           a.route == b.route;
  }
};

struct Group {
  std::string display_name;        // decoded phrase (may be "" for `"":;`)
  std::vector<Mailbox> mailboxes;
  std::vector<Finding> findings;   // everything found inside the group, members included

  friend bool operator==(const Group& a, const Group& b) {
    return a.display_name == b.display_name && a.mailboxes == b.mailboxes;
  }
};

using Address = std::variant<Mailbox, Group>;

struct MailboxResult {
  bool ok = false;
  Mailbox mailbox;
  std::string error;
  std::size_t error_offset = 0;
};

struct MailboxListResult {
  bool ok = false;
  std::vector<Mailbox> mailboxes;
  std::vector<Finding> findings;  // union of the members' findings plus list syntax
  std::string error;
  std::size_t error_offset = 0;
};

struct AddressListResult {
  bool ok = false;
  std::vector<Address> addresses;
  std::vector<Finding> findings;  // union of the members' findings plus list syntax
  std::string error;
  std::size_t error_offset = 0;
};

// mailbox = name-addr / addr-spec (the whole input).
MailboxResult ParseMailbox(std::string_view input, const ParseOptions& options = {});
// mailbox-list = (mailbox *("," mailbox)) / obs-mbox-list; at least one mailbox.
MailboxListResult ParseMailboxList(std::string_view input, const ParseOptions& options = {});
// address-list = (address *("," address)) / obs-addr-list; at least one address.
AddressListResult ParseAddressList(std::string_view input, const ParseOptions& options = {});

}  // namespace mta::address

#endif  // MTA_LIB_ADDRESS_ADDRESS_LIST_H_
