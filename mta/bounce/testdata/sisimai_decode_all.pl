#!/usr/bin/perl
# sisimai_decode_all.pl: decodes notifications with Sisimai, success DSNs included
# (delivered => 1), one JSON object per line and per recipient:
#   {"file":"a.eml","recipient":"u@example.test","deliverystatus":"5.1.1","action":"failed",
#    "reason":"userunknown","smtpagent":"qmail"}
#
# Usage: sisimai_decode_all.pl FILE...  (one message per file, LF or CRLF).
# Exit status: 0 after decoding, 2 on a usage error or an unreadable file, 3 when Sisimai
# or JSON::PP is not installed.
use strict;
use warnings;

if (!@ARGV) {
  print STDERR "usage: $0 FILE...\n";
  exit 2;
}
eval { require Sisimai; require JSON::PP; 1 } or do {
  print STDERR "sisimai_decode_all.pl: Sisimai or JSON::PP is not installed: $@";
  exit 3;
};

my $json = JSON::PP->new->canonical(1);
for my $path (@ARGV) {
  open(my $fh, '<:raw', $path) or do {
    print STDERR "sisimai_decode_all.pl: cannot read $path: $!\n";
    exit 2;
  };
  local $/;
  my $text = <$fh>;
  close $fh;
  next unless defined $text && length $text;
  my $records = Sisimai->make(\$text, delivered => 1) || [];
  for my $d (@$records) {
    print $json->encode({
      'file'           => $path,
      'recipient'      => $d->recipient ? $d->recipient->address : '',
      'deliverystatus' => $d->deliverystatus // '',
      'action'         => $d->action // '',
      'reason'         => $d->reason // '',
      'smtpagent'      => $d->smtpagent // '',
    }), "\n";
  }
}
exit 0;
