#!/usr/bin/perl
# Benchmark runner for Minion (Perl), see bench/peers/README.md for the contract.
#
# One runner for both backends; the --db argument picks it:
#   postgresql://USER@HOST:PORT/DB  -> Minion::Backend::Pg     (Mojo::Pg)
#   sqlite:/absolute/path/file.db   -> Minion::Backend::SQLite (Mojo::SQLite)
#
# Everything is Minion's defaults: the worker is $minion->worker->run with only the status
# option "jobs" set to --concurrency. Minion forks one process per job (its design); the
# S/E lines are written by that child through the log handle it inherits (opened O_APPEND).
use strict;
use warnings;
use Fcntl qw(O_WRONLY O_APPEND O_CREAT O_RDONLY);
use Time::HiRes ();
use Minion;

my $TASK = 'cohort_bench';

# ---------------------------------------------------------------- errors

sub one_line { my $m = join '', @_; $m =~ s/\s+/ /g; $m =~ s/^ | $//g; return $m }
sub usage_error { print STDERR 'runner: ', one_line(@_), "\n"; exit 2 }
sub fail        { print STDERR 'runner: ', one_line(@_), "\n"; exit 1 }

# ---------------------------------------------------------------- arguments

my %commands = (
  setup   => {required => [qw(db)],                         optional => []},
  enqueue => {required => [qw(db count)],                   optional => [qw(first job-ms)]},
  work    => {required => [qw(db log worker concurrency)],  optional => [qw(variant)]},
  probe   => {required => [qw(db log count gap-ms)],        optional => [qw(first)]},
);
my %numeric = map { $_ => 1 } qw(count first job-ms concurrency gap-ms);

usage_error('missing command (setup, enqueue, work or probe)') unless @ARGV;
my $command = shift @ARGV;
usage_error("unknown command '$command' (expected setup, enqueue, work or probe)") unless $commands{$command};
my %allowed = map { $_ => 1 } @{$commands{$command}{required}}, @{$commands{$command}{optional}};

my %opt;
while (@ARGV) {
  my $arg = shift @ARGV;
  my ($name, $value);
  if    ($arg =~ /^--([a-z-]+)=(.*)$/s) { ($name, $value) = ($1, $2) }
  elsif ($arg =~ /^--([a-z-]+)$/) {
    $name = $1;
    usage_error("unknown option '--$name' for $command") unless $allowed{$name};
    usage_error("option '--$name' needs a value") unless @ARGV;
    $value = shift @ARGV;
  }
  else { usage_error("unexpected argument '$arg'") }
  usage_error("unknown option '--$name' for $command") unless $allowed{$name};
  usage_error("option '--$name' given twice") if exists $opt{$name};
  if ($numeric{$name}) {
    usage_error("option '--$name' needs a non-negative integer, got '$value'") unless $value =~ /^\d{1,15}$/;
    $value += 0;
  }
  usage_error("option '--$name' must not be empty") if $value eq '';
  $opt{$name} = $value;
}
for my $name (@{$commands{$command}{required}}) {
  usage_error("missing option '--$name' for $command") unless exists $opt{$name};
}
usage_error("option '--concurrency' must be at least 1") if exists $opt{concurrency} && $opt{concurrency} < 1;
usage_error("option '--worker' must not contain white space") if exists $opt{worker} && $opt{worker} =~ /\s/;
if (exists $opt{variant} && $opt{variant} ne 'default') {
  usage_error("unknown variant '$opt{variant}' (Minion has only 'default')");
}

my ($backend_name, $db_arg);
if ($opt{db} =~ m{^postgres(?:ql)?://}) { ($backend_name, $db_arg) = (Pg => $opt{db}) }
elsif ($opt{db} =~ m{^sqlite:(/.*)$}s) { ($backend_name, $db_arg) = (SQLite => $1) }
else { usage_error("bad --db '$opt{db}' (expected postgresql://USER\@HOST:PORT/DB or sqlite:/absolute/path)") }

# ---------------------------------------------------------------- helpers

sub micros { sprintf '%.0f', Time::HiRes::time() * 1e6 }

sub make_minion {
  my $minion = eval {
    my $m;
    if ($backend_name eq 'Pg') {
      # Minion::Backend::Pg->new connects once to check the server version.
      $m = Minion->new(Pg => $db_arg);
    }
    else {
      # Documented form: Minion::Backend::SQLite's "sqlite" attribute is a Mojo::SQLite,
      # from_filename takes a plain path (no URL escaping issues). No connection is made yet.
      $m = Minion->new('SQLite');
      $m->backend->sqlite->from_filename($db_arg);
    }
    $m;
  };
  fail("cannot open $backend_name database: $@") unless $minion;
  return $minion;
}

# Opens a connection (it is then cached by Mojo::Pg/Mojo::SQLite and reused by the
# following calls) and lets auto_migrate create or upgrade the schema.
sub connect_db {
  my $minion = shift;
  my $backend = $minion->backend;
  my $db = $backend_name eq 'Pg' ? $backend->pg->db : $backend->sqlite->db;
  $db->query('select 1');
}

sub open_log {
  my $path = shift;
  sysopen(my $fh, $path, O_WRONLY | O_APPEND | O_CREAT, 0644) or fail("cannot open log '$path': $!");
  return $fh;
}

sub log_line {
  my ($fh, $line) = @_;
  my $n = syswrite($fh, $line);
  die "log write failed: $!\n" unless defined $n && $n == length $line;
}

# ---------------------------------------------------------------- commands

if ($command eq 'setup') {
  my $minion = make_minion();
  # Any first use of the database runs the backend's migrations (auto_migrate); repair
  # touches minion_workers and minion_jobs, so the schema is known to exist afterwards.
  eval { connect_db($minion); $minion->repair; 1 } or fail("setup failed: $@");
  exit 0;
}

if ($command eq 'enqueue') {
  my $minion = make_minion();
  my ($count, $first, $ms) = ($opt{count}, $opt{first} // 0, $opt{'job-ms'} // 0);
  # Minion has no bulk enqueue, and its backends take a fresh connection from the pool for
  # every call, so the jobs cannot share one transaction through public API: one
  # autocommitted INSERT per job (on Pg the insert trigger also sends NOTIFY "minion.job").
  eval {
    connect_db($minion);
    $minion->enqueue($TASK => [$_, $ms]) for $first .. $first + $count - 1;
    1;
  } or fail("enqueue failed: $@");
  exit 0;
}

if ($command eq 'work') {
  my ($wid, $conc) = ($opt{worker}, $opt{concurrency});
  my $log = open_log($opt{log});
  my $minion = make_minion();

  # The job runs in the forked child (Minion::Job::start); the log handle is inherited.
  $minion->add_task(
    $TASK => sub {
      my ($job, $key, $ms) = @_;
      log_line($log, "S $key " . micros() . " $wid\n");
      Time::HiRes::sleep($ms / 1000) if $ms;    # own process: blocks no other job
      log_line($log, "E $key " . micros() . " $wid\n");
    }
  );

  eval { connect_db($minion); 1 } or fail("cannot connect: $@");

  my $worker = $minion->worker;
  $worker->status->{jobs} = $conc;    # everything else: Minion's defaults
  # "wait" is emitted right before each dequeue; the first one comes after the worker has
  # registered itself (heartbeat) in the database, i.e. when it can take jobs.
  $|++;
  $worker->once(wait => sub { print "ready\n" });
  # run() installs its own INT/TERM handlers: stop dequeuing, finish running jobs, exit.
  eval { $worker->run; 1 } or fail("worker failed: $@");
  exit 0;
}

if ($command eq 'probe') {
  my ($count, $gap, $first) = ($opt{count}, $opt{'gap-ms'}, $opt{first} // 0);
  my $log = open_log($opt{log});
  sysopen(my $in, $opt{log}, O_RDONLY) or fail("cannot read log '$opt{log}': $!");
  my $minion = make_minion();
  eval { connect_db($minion); 1 } or fail("cannot connect: $@");

  # Tail the log from its current end.
  my $pos = -s $in // 0;
  sysseek($in, $pos, 0);
  my $buf = '';
  my %started;
  my $read_new = sub {
    while (1) {
      my $n = sysread($in, my $chunk, 65536);
      fail("cannot read log: $!") unless defined $n;
      last unless $n;
      $buf .= $chunk;
    }
    while ($buf =~ s/^([^\n]*)\n//) {
      my $line = $1;
      $started{$1} = 1 if $line =~ /^S (\S+) /;
    }
  };

  for my $key ($first .. $first + $count - 1) {
    Time::HiRes::sleep($gap / 1000) if $gap;
    my $t = micros();
    log_line($log, "Q $key $t probe\n");
    eval { $minion->enqueue($TASK => [$key, 0]); 1 } or fail("enqueue of probe job $key failed: $@");
    my $deadline = Time::HiRes::time() + 60;
    until ($started{$key}) {
      $read_new->();
      last if $started{$key};
      fail("probe job $key did not start within 60 s") if Time::HiRes::time() > $deadline;
      Time::HiRes::sleep(0.0002);
    }
  }
  exit 0;
}
