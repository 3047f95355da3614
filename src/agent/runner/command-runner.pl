#!/usr/bin/perl
# The command runner's server: reads request frames on stdin, forks and execs each command,
# collects its stdout and stderr, and writes a response frame on stdout when it has exited.
# Many commands run at once. The agent starts one of these and sends every short host
# command through it (docs/adr/0004-command-runner.md); the frames are described in
# frames.ts. Only perl-base modules (IO::Select, POSIX), so it runs on any Debian host.
# Stdin closing (the agent gone) ends it.
use strict; use warnings; use IO::Select; use POSIX ();
binmode STDIN; binmode STDOUT;
my $in = ''; my %jobs; my %byfh;
my $sel = IO::Select->new(\*STDIN);
sub reply { my ($j) = @_;
  waitpid($j->{pid}, 0); my $st = $?; delete $jobs{$j->{id}};
  my $body = pack('NN', $j->{id}, $st) . pack('N', length $j->{out}) . $j->{out}
    . pack('N', length $j->{err}) . $j->{err};
  my $msg = pack('N', length $body) . $body;
  while (length $msg) { my $n = syswrite(STDOUT, $msg); exit 0 unless defined $n; substr($msg, 0, $n) = ''; }
}
sub start { my ($buf) = @_;
  my ($id, $argc) = unpack('NN', $buf); my $o = 8; my @argv;
  if ($argc == 0xffffffff) { my $t = $jobs{unpack('N', substr($buf, 8, 4))}; kill('KILL', $t->{pid}) if $t; return; }
  for (1 .. $argc) { my $l = unpack('N', substr($buf, $o, 4)); push @argv, substr($buf, $o + 4, $l); $o += 4 + $l; }
  my $cl = unpack('N', substr($buf, $o, 4)); my $cwd = substr($buf, $o + 4, $cl); $o += 4 + $cl;
  my $il = unpack('N', substr($buf, $o, 4)); my $input = substr($buf, $o + 4, $il);
  pipe(my $ir, my $iw) or die; pipe(my $or, my $ow) or die; pipe(my $er, my $ew) or die;
  my $pid = fork();
  if (!defined $pid) { my $j = { id => $id, pid => 0, out => '', err => "fork: $!", open => 0 }; reply($j); return; }
  if ($pid == 0) {
    close $iw; close $or; close $er;
    POSIX::dup2(fileno $ir, 0); POSIX::dup2(fileno $ow, 1); POSIX::dup2(fileno $ew, 2);
    if (length $cwd) { chdir($cwd) or do { print STDERR "chdir $cwd: $!\n"; POSIX::_exit(126) } }
    { no warnings 'exec'; exec { $argv[0] } @argv; } print STDERR "$argv[0]: $!\n"; POSIX::_exit(127);
  }
  close $ir; close $ow; close $ew;
  local $SIG{PIPE} = 'IGNORE'; syswrite($iw, $input) if length $input; close $iw;
  my $j = { id => $id, pid => $pid, out => '', err => '', open => 2 }; $jobs{$id} = $j;
  $byfh{fileno $or} = [$j, 'out', $or]; $byfh{fileno $er} = [$j, 'err', $er];
  $sel->add($or, $er);
}
$SIG{PIPE} = 'IGNORE';
while (1) {
  for my $fh ($sel->can_read) {
    if ($fh == \*STDIN) {
      my $n = sysread(STDIN, my $chunk, 65536); exit 0 unless $n;
      $in .= $chunk;
      while (length $in >= 4) { my $l = unpack('N', $in); last if length $in < 4 + $l;
        my $buf = substr($in, 4, $l); substr($in, 0, 4 + $l) = ''; start($buf); }
      next;
    }
    my $e = $byfh{fileno $fh}; my ($j, $k) = @$e;
    my $n = sysread($fh, my $chunk, 65536);
    if ($n) { $j->{$k} .= $chunk; next; }
    $sel->remove($fh); delete $byfh{fileno $fh}; close $fh;
    reply($j) if --$j->{open} == 0;
  }
}
