#!/usr/bin/perl
# sisimai_decode.pl: decodes bounce messages with Sisimai (a real bounce consumer) and prints
# what it found, one JSON object per line and per recipient:
#   {"action":"failed","deliverystatus":"5.1.1","diagnosticcode":"...","file":"a.eml",
#    "reason":"userunknown","recipient":"u@example.test","smtpagent":"qmail"}
#
# Usage: sisimai_decode.pl [--delivered] FILE...
# --delivered also reports success DSNs (Sisimai's delivered => 1); without it Sisimai
# reports failures and delays only.
# Each FILE holds one message (header + body, LF or CRLF) or an mbox. A single message is
# handed to Sisimai from memory, so no "From " separator line is needed and "From " lines
# inside the returned original cannot split it. Exit status: 0 after decoding (a file
# Sisimai cannot decode prints nothing), 2 on a usage error or an unreadable file,
# 3 when Sisimai or JSON::PP is not installed.
use strict;
use warnings;

my @make_args;
if (@ARGV && $ARGV[0] eq '--delivered') {
  shift @ARGV;
  @make_args = (delivered => 1);
}
if (!@ARGV || $ARGV[0] eq '-h' || $ARGV[0] eq '--help') {
  print STDERR "usage: $0 [--delivered] FILE...\n";
  exit 2;
}
eval { require Sisimai; require JSON::PP; 1 } or do {
  print STDERR "sisimai_decode.pl: Sisimai or JSON::PP is not installed: $@";
  exit 3;
};

my $json = JSON::PP->new->canonical(1);
for my $path (@ARGV) {
  open(my $fh, '<:raw', $path) or do {
    print STDERR "sisimai_decode.pl: cannot read $path: $!\n";
    exit 2;
  };
  local $/;
  my $text = <$fh>;
  close $fh;
  next unless defined $text && length $text;
  # Sisimai::Mail::Memory splits on /^From / only when the data starts with "From ".
  my $records = Sisimai->make(\$text, @make_args) || [];
  for my $d (@$records) {
    my $recipient = $d->recipient ? $d->recipient->address : '';
    print $json->encode({
      'file'           => $path,
      'recipient'      => $recipient // '',
      'deliverystatus' => $d->deliverystatus // '',
      'action'         => $d->action // '',
      'reason'         => $d->reason // '',
      'smtpagent'      => $d->smtpagent // '',
      'diagnosticcode' => $d->diagnosticcode // '',
    }), "\n";
  }
}
exit 0;
