#!/usr/bin/env python3
"""Checks that the tutorials show what the programs really print.

usage: check_tutorial.py [--dump] BUILD_DIR DOC.md [DOC.md ...]

BUILD_DIR is a build tree of libsysv (its samples in BUILD_DIR/samples, the
sysv command in BUILD_DIR/tools). Each DOC is read for three kinds of marked
block:

  <!-- output: samples/NAME [ARG...] [; any order] -->
  ```console
  $ ./build/demo/samples/NAME [ARG...]      (optional; if present it must
  ...the program's output...                  name the same program and args)
  ```
      The sample is run (stdout and stderr together, as a terminal shows
      them) in an IPC namespace of its own, so its ids start from 0 as in
      the text, and the block is compared with what it printed.

  <!-- output: session -->
  ```console
  $ sysv mk msg --name jobs
  0 0xe407107d
  $ ...
  ```
      Every "$ " line is a shell command; the lines after it are its output.
      The commands run one after the other in one bash, in an IPC namespace
      of their own (so ids are predictable and nothing leaks), with `sysv`
      on PATH and ./build/demo/ standing for BUILD_DIR. A session must
      remove what it makes: objects left at its end fail it.

  <!-- quote: samples/NAME.c -->
  ```c
  ...lines copied from the sample...
  ```
      Each run of lines between "..." lines must appear, in order and
      consecutively (blank lines and indentation aside), in the file.

Every ```console block must carry an output marker, so that no output in
the text goes unchecked.

Comparison. Before comparing, both sides are normalised line by line: the
values that change from run to run (pids, attach addresses, the inode and
device bits of ftok keys, keys made from a pid, the scratch directory,
the build directory, times, durations, and counts that depend on the
scheduler) are replaced by a placeholder such as <pid>. Only those values,
in the places the rules below name (a program's own rules first, then the
global ones), are replaced; everything else must match exactly, trailing
blanks aside. Ids are not replaced: every block runs in a new IPC
namespace, where they are predictable. Values of the kinds in BIJECTIVE
(pid, addr, key, inode, dev, dev8, ino16, tmp) are also checked for
consistency: the same value in the text must be the same value in the
run, and different values different, so a pid shown twice stays one
process and an address shown twice stays one address. A block with a
line "..." is an excerpt: the runs of lines between "..." lines must
appear in the run in that order, each run consecutive, and the block's
first and last runs anchor to the run's start and end unless a "..."
comes before or after them. "; any order" compares the lines as a
multiset (for output that several processes print at once); with "..."
lines, the run may have more.

--dump prints each block's real output instead of checking it, to update
the text after a sample changes.

Exit status: 0 all blocks match, 1 a mismatch or an error, 77 no private
IPC namespace can be had (skipped, with the reason).
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

TIMEOUT = 90  # seconds for one sample or one session

# Categories of varying values. These must map one to one between the text
# and the run; the others are free.
BIJECTIVE = {"pid", "addr", "key", "inode", "dev", "dev8", "ino16", "tmp"}

# Rules: (regex, the category of each of its groups; None keeps a group as
# it is). A block's program rules (PROGRAM_RULES[name], "session" for a
# session) are applied first, then these, in order, to every line of both
# the text and the run. A group already replaced is never matched again.
GLOBAL_RULES = [
    # Attach addresses (%p): more than 8 hex digits; keys have exactly 8.
    (r"\b(0x[0-9a-f]{9,16})\b", ["addr"]),
    # Times as sysv prints them, and durations.
    (r"\b(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\b", ["time"]),
    (r"\b(\d+(?:\.\d+)?) ms\b", ["ms"]),
    (r"\b(\d+\.\d+) s\b", ["s"]),
    (r"\b(\d+) jobs/s\b", ["rate"]),
    # "pid 1234", "creator pid 1234", "(reader, pid 1234)", "by pid 1234".
    (r"\bpid (\d+)\b", ["pid"]),
    # Where a sample finds its partner: the build directory.
    (r"(/\S*/)(?=\d\d_[a-z0-9_]+)", ["dir"]),
]

PROGRAM_RULES = {
    "01_key_ftok": [
        (r"/tmp/libsysv-keys-(\w{6})/", ["tmp"]),
        (r"\bdevice (0x[0-9a-f]+)", ["dev"]),
        (r"\binode (\d+)", ["inode"]),
        (r"\bwas (\d+)\)", ["inode"]),
        (r"\(0x([0-9a-f]{2})\) << 16", ["dev8"]),
        (r"low 16 bits of the inode \(0x([0-9a-f]{4})\)", ["ino16"]),
        # ftok(file, 'A' or 'B'): the project id, then device and inode bits.
        (r"\b0x4[12]([0-9a-f]{2})([0-9a-f]{4})\b", ["dev8", "ino16"]),
    ],
    "05_shm_posix_vs_sysv": [
        # The key and the POSIX name are made from the parent's pid.
        (r"libsysv-sample-05\.(\d+)", ["pid"]),
        (r"\b(0x(?!00000000)[0-9a-f]{8})\b", ["key"]),
        # /proc/sysvipc/shm: key (decimal), shmid, perms, size, cpid, lpid, nattch
        (r"^( *-?[1-9]\d*)( +\d+ +600 +4096)( +\d+)( +\d+)( +\d+)$",
         ["keydec", None, "pid", "pid", None]),
        (r"^( +0 +\d+ +1600 +4096)( +\d+)( +\d+)( +\d+)$", [None, "pid", "pid", None]),
    ],
    "06_msg_server": [
        (r"\bclient (\d+)\b", ["pid"]),
        (r"\breply type (\d+)\b", ["pid"]),
        # Numbered in the order requests arrive, which the scheduler decides.
        (r"\brequest (\d+) from\b", ["n"]),
        (r"\bsaid goodbye \((\d+) of 3\)", ["n"]),
    ],
    "08_sem_critical": [
        # Which child enters when, and who posts last, is the scheduler's
        # choice: those children and their pids are free.
        (r"\bchild (\d+) \(pid (\d+)\) (?:enters|leaves)", ["n", "n"]),
        (r"semctl\(GETPID\) = (\d+): child (\d+),", ["n", "n"]),
        (r"\[value 0, (\d+) waiting in p\(\)\]", ["n"]),
    ],
    "09_mutex_crash": [
        (r"\bkill\((\d+), SIGKILL\)", ["pid"]),
        # The holder's pid as the mutex keeps it: pid & 0x7fff and pid >> 15.
        (r"\bsem 1 = (\d+), sem 2 = (\d+)$", ["n", "n"]),
        (r"\bpid, (\d+) \+ \((\d+) << 15\) = (\d+),", ["n", "n", "pid"]),
    ],
    "10_shm_counter": [
        # Run 1 races on purpose: how many updates it loses is chance.
        (r"counter = (\d+), expected 40000: (\d+) updates lost \((\d+\.\d)%\)",
         ["n", "n", "n"]),
    ],
    "12_job_board": [
        (r"\bworker (\d+)\b", ["pid"]),
        # Average finishing position per priority: depends on the scheduler.
        (r"(\b[1-5]: )(\d+)\b", [None, "n"]),
    ],
    "session": [
        # sysv show: the pids of the last users, and a set's per-semaphore
        # table (SEMNUM VALUE NCOUNT ZCOUNT PID).
        (r"^(?:Creator PID|Last PID|Last sender|Last receiver): +(\d+)$", ["pid"]),
        (r"^ +\d+ +\d+ +\d+ +\d+( +\d+)$", ["pid"]),
    ],
}

MARK = "\x00"
OUTPUT_RE = re.compile(r"^<!-- output: (.+?) -->\s*$")
QUOTE_RE = re.compile(r"^<!-- quote: (.+?) -->\s*$")
FENCE_RE = re.compile(r"^```(\S*)\s*$")
TOKEN_RE = re.compile(MARK + r"(\d+)" + MARK)


class Failure(Exception):
    pass


# ---- Normalisation -------------------------------------------------------


def normalise(line, rules):
    """Returns (template, [(category, value), ...]) for one line."""
    values = []

    def apply(text, regex, cats):
        out, pos = [], 0
        for m in re.finditer(regex, text):
            if MARK in m.group(0):
                continue  # never reach into a value already replaced
            out.append(text[pos:m.start()])
            cur = m.start()
            for i, cat in enumerate(cats, start=1):
                if m.start(i) < 0:
                    continue
                out.append(text[cur:m.start(i)])
                if cat is None:
                    out.append(m.group(i))
                else:
                    values.append((cat, m.group(i).strip()))
                    out.append("%s%d%s" % (MARK, len(values) - 1, MARK))
                cur = m.end(i)
            out.append(text[cur:m.end()])
            pos = m.end()
        out.append(text[pos:])
        return "".join(out)

    text = line.rstrip()
    for regex, cats in rules:
        text = apply(text, regex, cats)
    ordered = []

    def placeholder(m):
        cat, value = values[int(m.group(1))]
        ordered.append((cat, value))
        return "<%s>" % cat

    template = TOKEN_RE.sub(placeholder, text)
    return template, ordered


class Bijection:
    """The text's varying values and the run's, kept one to one."""

    def __init__(self):
        self.fwd, self.back = {}, {}

    def copy(self):
        b = Bijection()
        b.fwd = {k: dict(v) for k, v in self.fwd.items()}
        b.back = {k: dict(v) for k, v in self.back.items()}
        return b

    def bind(self, pairs):
        """Adds (cat, text value, run value) pairs; False on a conflict."""
        for cat, want, got in pairs:
            if cat not in BIJECTIVE:
                continue
            f = self.fwd.setdefault(cat, {})
            b = self.back.setdefault(cat, {})
            if f.get(want, got) != got or b.get(got, want) != want:
                return False
            f[want] = got
            b[got] = want
        return True


def line_pairs(exp, act):
    """The (cat, want, got) pairs when two normalised lines match, or None."""
    if exp[0] != act[0]:
        return None
    return [(c, w, g) for (c, w), (_, g) in zip(exp[1], act[1])]


# ---- Matching ------------------------------------------------------------


def match_exact(exp, act):
    if len(exp) != len(act):
        return None
    bij = Bijection()
    for e, a in zip(exp, act):
        pairs = line_pairs(e, a)
        if pairs is None or not bij.bind(pairs):
            return None
    return bij


def match_excerpt(segments, act, anchored_start, anchored_end):
    """Each segment consecutive in act, the segments in order."""

    def seg_at(seg, pos, bij):
        if pos + len(seg) > len(act):
            return None
        b = bij.copy()
        for i, e in enumerate(seg):
            pairs = line_pairs(e, act[pos + i])
            if pairs is None or not b.bind(pairs):
                return None
        return b

    def solve(k, start, bij):
        if k == len(segments):
            return bij
        seg = segments[k]
        first, last = k == 0, k == len(segments) - 1
        if first and anchored_start:
            candidates = [0]
        else:
            candidates = range(start, len(act) - len(seg) + 1)
        if last and anchored_end:
            candidates = [p for p in candidates if p + len(seg) == len(act)]
        for pos in candidates:
            b = seg_at(seg, pos, bij)
            if b is not None:
                r = solve(k + 1, pos + len(seg), b)
                if r is not None:
                    return r
        return None

    return solve(0, 0, Bijection())


def match_any_order(exp, act, allow_extra):
    if not allow_extra and len(exp) != len(act):
        return None
    used = [False] * len(act)

    def solve(k, bij):
        if k == len(exp):
            return bij
        for j, a in enumerate(act):
            if used[j]:
                continue
            pairs = line_pairs(exp[k], a)
            if pairs is None:
                continue
            b = bij.copy()
            if not b.bind(pairs):
                continue
            used[j] = True
            r = solve(k + 1, b)
            if r is not None:
                return r
            used[j] = False
        return None

    return solve(0, Bijection())


def compare(expected_lines, actual_text, rules, any_order):
    """None when the run matches the block, else a reason."""
    actual_lines = [l.rstrip() for l in actual_text.split("\n")]
    while actual_lines and actual_lines[-1] == "":
        actual_lines.pop()
    act = [normalise(l, rules) for l in actual_lines]
    gap = [l.strip() == "..." for l in expected_lines]
    if any_order:
        exp = [normalise(l, rules) for l, g in zip(expected_lines, gap) if not g]
        ok = match_any_order(exp, act, any(gap)) is not None
    elif not any(gap):
        ok = match_exact([normalise(l, rules) for l in expected_lines], act) is not None
    else:
        segments, cur = [], []
        for l, g in zip(expected_lines, gap):
            if g:
                if cur:
                    segments.append(cur)
                cur = []
            else:
                cur.append(normalise(l, rules))
        if cur:
            segments.append(cur)
        ok = match_excerpt(segments, act, not gap[0], not gap[-1]) is not None
    if ok:
        return None
    return explain(expected_lines, actual_lines, rules)


def explain(expected_lines, actual_lines, rules):
    """A hint for the first expected line that no run line matches."""
    templates = {normalise(l, rules)[0] for l in actual_lines}
    for l in expected_lines:
        if l.strip() == "...":
            continue
        t = normalise(l, rules)[0]
        if t not in templates:
            return "no line of the run matches this line of the text:\n    %s\n  (normalised: %s)" % (
                l, t)
    return "the lines are all there, but not in this order or not consistently " \
           "(a value shown twice in the text differs in the run, or the run has extra lines)"


# ---- Running -------------------------------------------------------------


def private_ipc_prefix():
    """The command prefix that gives a new IPC namespace, or exits 77."""
    tries = [["unshare", "--ipc"], ["unshare", "--user", "--map-root-user", "--ipc"]]
    if shutil.which("unshare") is None:
        skip("unshare(1) is not installed (util-linux)")
    for prefix in tries:
        r = subprocess.run(prefix + ["true"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        if r.returncode == 0:
            return prefix
    skip("no private IPC namespace can be had here (`unshare --ipc` needs root, "
         "and unprivileged user namespaces are refused): the ids in the text could "
         "not be reproduced and a session could touch this machine's objects")


def skip(why):
    print("SKIP: %s" % why)
    sys.exit(77)


def environment(build):
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    env["TZ"] = "UTC"
    env["PATH"] = os.path.join(build, "tools") + os.pathsep + env.get("PATH", "")
    env.pop("SYSV_IPC_HERMETIC", None)
    return env


def run(argv, env, cwd):
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, env=env, cwd=cwd, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Failure("%s: still running after %d s" % (" ".join(argv), TIMEOUT))
    return r.returncode, r.stdout.decode("utf-8", "replace")


SESSION_PATH = "./build/demo/"

# Run inside the session's namespace after its commands: what is left.
LEFTOVERS = "tail -q -n +2 /proc/sysvipc/shm /proc/sysvipc/msg /proc/sysvipc/sem"


def run_session(commands, ns, build, env, cwd):
    """Runs the commands in one bash; returns the output of each."""
    tmp = tempfile.mkdtemp(prefix="tutorial-session-")
    try:
        script = ["set +e"]
        for i, cmd in enumerate(commands):
            cmd = cmd.replace(SESSION_PATH, build.rstrip("/") + "/")
            script.append("{ %s\n} >%s/out.%d 2>&1 </dev/null" % (cmd, tmp, i))
        script.append("%s >%s/left 2>&1" % (LEFTOVERS, tmp))
        path = os.path.join(tmp, "session.sh")
        with open(path, "w") as f:
            f.write("\n".join(script) + "\n")
        rc, out = run(ns + ["bash", path], env, cwd)
        if rc != 0:
            raise Failure("the session's shell failed (status %d): %s" % (rc, out))
        outputs = []
        for i in range(len(commands)):
            with open(os.path.join(tmp, "out.%d" % i), encoding="utf-8",
                      errors="replace") as f:
                outputs.append(f.read())
        with open(os.path.join(tmp, "left")) as f:
            left = f.read().strip()
        if left:
            raise Failure("the session leaves IPC objects behind (a tutorial that "
                          "teaches cleaning up must clean up):\n" + left)
        return outputs
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---- The documents -------------------------------------------------------


class Block:
    def __init__(self, doc, lineno, kind, spec, lines):
        self.doc, self.lineno, self.kind, self.spec, self.lines = doc, lineno, kind, spec, lines

    def where(self):
        return "%s:%d" % (self.doc, self.lineno)


def read_blocks(doc):
    """The marked blocks of doc; errors for unmarked console blocks."""
    with open(doc, encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks, errors = [], []
    i, pending = 0, None
    while i < len(lines):
        line = lines[i]
        m_out, m_quote, m_fence = OUTPUT_RE.match(line), QUOTE_RE.match(line), FENCE_RE.match(line)
        if m_out or m_quote:
            pending = ("output", m_out.group(1)) if m_out else ("quote", m_quote.group(1))
            pending_line = i + 1
            i += 1
            continue
        if m_fence:
            lang = m_fence.group(1)
            j = i + 1
            while j < len(lines) and not FENCE_RE.match(lines[j]):
                j += 1
            body = lines[i + 1:j]
            if pending and pending[0] == "output":
                if lang != "console":
                    errors.append("%s:%d: an output marker must precede a ```console block"
                                  % (doc, pending_line))
                else:
                    blocks.append(Block(doc, i + 1, "output", pending[1], body))
            elif pending and pending[0] == "quote":
                blocks.append(Block(doc, i + 1, "quote", pending[1], body))
            elif lang == "console":
                errors.append("%s:%d: a ```console block without an output marker "
                              "(every output shown must be checked)" % (doc, i + 1))
            pending = None
            i = j + 1
            continue
        if line.strip():
            if pending:
                errors.append("%s:%d: a marker not followed by its block" % (doc, pending_line))
            pending = None
        i += 1
    return blocks, errors


def parse_output_spec(spec):
    parts = [p.strip() for p in spec.split(";")]
    argv = shlex.split(parts[0])
    opts = set(parts[1:])
    unknown = opts - {"any order"}
    if unknown:
        raise Failure("unknown option(s) in the marker: %s" % ", ".join(sorted(unknown)))
    return argv, "any order" in opts


def check_quote(block, root):
    path = os.path.join(root, block.spec)
    try:
        with open(path, encoding="utf-8") as f:
            source = [l.strip() for l in f.read().split("\n") if l.strip()]
    except OSError as e:
        raise Failure("cannot read %s: %s" % (block.spec, e))
    chunks, cur = [], []
    for l in block.lines:
        s = l.strip()
        if s == "...":
            if cur:
                chunks.append(cur)
            cur = []
        elif s:
            cur.append(s)
    if cur:
        chunks.append(cur)
    pos = 0
    for chunk in chunks:
        found = -1
        for p in range(pos, len(source) - len(chunk) + 1):
            if source[p:p + len(chunk)] == chunk:
                found = p
                break
        if found < 0:
            raise Failure("these lines are not in %s as quoted (in this order, "
                          "consecutively):\n    %s" % (block.spec, "\n    ".join(chunk)))
        pos = found + len(chunk)


class Checker:
    def __init__(self, build, root, ns, dump):
        self.build, self.root, self.ns, self.dump = build, root, ns, dump
        self.env = environment(build)
        self.cache = {}
        self.cwd = tempfile.mkdtemp(prefix="tutorial-cwd-")

    def sample_output(self, argv):
        key = tuple(argv)
        if key not in self.cache:
            name = argv[0][len("samples/"):]
            exe = os.path.join(self.build, "samples", name)
            if not os.access(exe, os.X_OK):
                raise Failure("no program %s (build the samples)" % exe)
            rc, out = run(self.ns + [exe] + argv[1:], self.env, self.cwd)
            if rc != 0:
                raise Failure("%s exited with status %d:\n%s" % (" ".join(argv), rc, out))
            self.cache[key] = out
        return self.cache[key]

    def check_output(self, block):
        argv, any_order = parse_output_spec(block.spec)
        lines = list(block.lines)
        while lines and not lines[-1].strip():
            lines.pop()
        if argv == ["session"]:
            return self.check_session(block, lines)
        if not argv or not argv[0].startswith("samples/"):
            raise Failure("the marker names neither samples/NAME nor session: %r" % block.spec)
        name = argv[0][len("samples/"):]
        if lines and lines[0].startswith("$ "):
            shown = shlex.split(lines[0][2:])
            if not shown or not shown[0].endswith("samples/" + name) or shown[1:] != argv[1:]:
                raise Failure("the command shown, %r, is not the one the marker runs, %r"
                              % (lines[0], block.spec))
            lines = lines[1:]
        if not any(l.strip() and l.strip() != "..." for l in lines):
            raise Failure("the block shows no output to check")
        out = self.sample_output(argv)
        if self.dump:
            print("---- %s: %s\n%s" % (block.where(), block.spec, out))
            return
        rules = PROGRAM_RULES.get(name, []) + GLOBAL_RULES
        why = compare(lines, out, rules, any_order)
        if why:
            raise Failure("%s differs from the run:\n  %s\n---- the run printed:\n%s"
                          % (block.spec, why, out))

    def check_session(self, block, lines):
        commands, expected = [], []
        for l in lines:
            if l.startswith("$ "):
                commands.append(l[2:])
                expected.append([])
            elif not commands:
                raise Failure("a session must start with a \"$ \" command line")
            else:
                expected[-1].append(l)
        outputs = run_session(commands, self.ns, self.build, self.env, self.cwd)
        if self.dump:
            print("---- %s: session" % block.where())
            for c, o in zip(commands, outputs):
                print("$ " + c)
                sys.stdout.write(o if o.endswith("\n") or not o else o + "\n")
            return
        rules = PROGRAM_RULES["session"] + GLOBAL_RULES
        for c, e, o in zip(commands, expected, outputs):
            while e and not e[-1].strip():
                e = e[:-1]  # as compare() drops the run's trailing blank lines
            why = compare(e, o, rules, False)
            if why:
                raise Failure("`%s` differs from the run:\n  %s\n---- it printed:\n%s"
                              % (c, why, o))

    def check(self, block):
        if block.kind == "quote":
            if not self.dump:
                check_quote(block, self.root)
        else:
            self.check_output(block)


def main(argv):
    dump = "--dump" in argv
    args = [a for a in argv if a != "--dump"]
    if len(args) < 2:
        sys.stderr.write(__doc__)
        return 2
    build, docs = os.path.abspath(args[0]), args[1:]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    failures, checked = 0, 0
    all_blocks = []
    for doc in docs:
        blocks, errors = read_blocks(doc)
        for e in errors:
            print("FAIL " + e)
        failures += len(errors)
        all_blocks += blocks
    if not any(b.kind == "output" for b in all_blocks):
        print("FAIL: no marked output block in %s" % ", ".join(docs))
        return 1
    ns = private_ipc_prefix()
    checker = Checker(build, root, ns, dump)
    try:
        for b in all_blocks:
            try:
                checker.check(b)
                checked += 1
                if not dump:
                    print("ok   %s %s: %s" % (b.where(), b.kind, b.spec))
            except Failure as e:
                failures += 1
                print("FAIL %s %s: %s\n  %s" % (b.where(), b.kind, b.spec, e))
    finally:
        shutil.rmtree(checker.cwd, ignore_errors=True)
    if dump:
        return 0
    print("%d block(s) checked, %d failure(s)" % (checked, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
