#!/usr/bin/env python3
"""Keeps the manual pages in man/ true to the public headers.

The pages are written by hand; the headers in include/sysv/ are the source
of truth (each function's comment is its reference). Three checks, each a
ctest (man/CMakeLists.txt, label "docs"):

  drift     check_man_pages.py drift --headers include/sysv --man man [--version V]
      Fails when
        - a function marked SYSV_API in include/sysv/*.h has no page:
          man/man3/NAME.3 must exist, either as a page whose NAME section
          lists the function or as a one-line ".so man3/PAGE.3" link to one;
        - a page documents a function the headers do not declare (in its
          NAME section or its SYNOPSIS), or a link points at a page that
          does not exist or does not list the link's name;
        - a SYNOPSIS prototype differs from the header's declaration
          (compared as text with the roff fonts and escapes removed, runs of
          white space made one space, and no space next to ( ) , * ;);
          the SYNOPSIS must also #include the header that declares each of
          its functions, and declare exactly the functions NAME lists;
        - a page's ERRORS differ from the header's "Errors" text, function
          by function (see below);
        - a page refers to a sysv_*(3) page that does not exist, or
          libsysv(7) does not list some function;
        - with --version, a page's .TH line does not say "libsysv VERSION".
      Every mismatch is printed, then the check fails.

  render    check_man_pages.py render --man man [--groff groff]
      Runs every page, links included, through "groff -man -ww" (as man(1)
      does, plus every warning), for the utf8 device at 65 columns and the
      ascii one at 78, and fails on any warning, and on any line wider than
      an 80-column terminal (a SYNOPSIS or an example that would wrap).

  examples  check_man_pages.py examples --man man --work DIR --cc CC
                [--include DIR]... --lib libsysv.so [--flags "..."]
                [--guard sysv-ipc-guard]
      Takes the program in each page's EXAMPLES section (the .EX/.EE block
      that defines main; every section 3 page must have one), compiles and
      links it against the library with -std=c99 -Wall -Wextra -Werror
      -pedantic, and runs it (under "GUARD run --", which fails a program
      that leaves an IPC object behind). A program that needs POSIX or GNU
      declarations defines _POSIX_C_SOURCE or _GNU_SOURCE itself, as a
      reader's copy must. When the section also shows a run, an .EX block
      that starts with "$ ", what the program prints must be the lines
      after that first command, up to the next "$ ", exactly: show a run
      only when its output does not vary (no ids, pids or times). A page
      whose program must not be run says so with a comment line
      '.\\" example: compile-only (why)' and is only compiled.

How the ERRORS check reads a header.
  The doc comment of a function is the /* ... */ comment that ends just
  before its SYSV_API declaration. Its errors start at "Errors:" (also
  "Errors (a remark):" and "Errors as") and run to the end of the
  comment: every token that is an errno name (EINVAL, E2BIG, ...) is one
  of them. A reference takes in
  another function's whole set: "Errors as sysv_X", "Errors: as sysv_X",
  "Errors: those of sysv_X" and "whatever sysv_X returns". A comment
  without "Errors" promises none: its page has no ERRORS entries.

How the ERRORS check reads a page (per function, not the group's union).
  Each entry is ".TP", then a tag line naming one errno (".B EINVAL"). An
  entry applies to every function the page documents, unless the first
  line of its text restricts it, rendered as "(sysv_a() only)" or
  "(sysv_a() and sysv_b() only)", e.g.
      .TP
      .B EBUSY
      .RB ( sysv_shm_attach "() only)"
  For each function of the page, the errnos of the entries that apply to it
  must be exactly the errnos its header comment promises: none missing,
  none extra. Per function rather than the group's union, so that a page
  grouping sysv_shm_attach and sysv_shm_detach cannot lend one function
  an error only the other returns.
"""

import argparse
import concurrent.futures
import errno
import os
import re
import shlex
import shutil
import subprocess
import sys

KNOWN_ERRNOS = set(errno.errorcode.values())

# ---- roff: just enough of man(7) to read the pages' text --------------------

FONT_MACROS = {"B", "I", "SM", "SB"}
ALTERNATING = {"BI", "BR", "IB", "IR", "RB", "RI"}
NAMED_CHARS = {
    "aq": "'", "dq": '"', "ti": "~", "ha": "^", "rs": "\\", "ga": "`",
    "em": "--", "en": "-", "lq": '"', "rq": '"', "oq": "'", "cq": "'",
    "bu": "*", "mu": "x", "<=": "<=", ">=": ">=", "->": "->", "hy": "-",
}


def roff_args(rest):
    """Splits a macro's arguments as roff does: blanks separate, "..."
    quotes, and "" inside quotes is one quote."""
    args, i, n = [], 0, len(rest)
    while i < n:
        while i < n and rest[i] in " \t":
            i += 1
        if i >= n:
            break
        if rest[i] == '"':
            i += 1
            buf = []
            while i < n:
                if rest[i] == '"':
                    if i + 1 < n and rest[i + 1] == '"':
                        buf.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(rest[i])
                i += 1
            args.append("".join(buf))
        else:
            j = i
            while j < n and rest[j] not in " \t":
                j += 1
            args.append(rest[i:j])
            i = j
    return args


def unescape(s):
    """The text a roff string shows, fonts dropped."""
    out, i, n = [], 0, len(s)
    while i < n:
        c = s[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        e = s[i + 1]
        if e == "f":  # \fB, \f(CW, \f[B]
            if s[i + 2:i + 3] == "(":
                i += 5
            elif s[i + 2:i + 3] == "[":
                i = s.index("]", i) + 1
            else:
                i += 3
        elif e == "(":
            out.append(NAMED_CHARS.get(s[i + 2:i + 4], s[i:i + 4]))
            i += 4
        elif e == "[":
            j = s.index("]", i)
            out.append(NAMED_CHARS.get(s[i + 2:j], s[i:j + 1]))
            i = j + 1
        elif e in "e\\":
            out.append("\\")
            i += 2
        elif e == "-":
            out.append("-")
            i += 2
        elif e in " ~0":
            out.append(" ")
            i += 2
        elif e in "&%|^c":
            i += 2
        elif e == '"':  # a comment to the end of the line
            break
        else:
            out.append(s[i:i + 2])
            i += 2
    return "".join(out)


def line_text(line):
    """The text of one roff line: a font macro's words, or a text line."""
    if line.startswith((".", "'")):
        m = re.match(r"[.'][ \t]*(\S+)[ \t]*(.*)$", line)
        if not m:
            return ""
        name, rest = m.group(1), m.group(2)
        if name in FONT_MACROS:
            return unescape(" ".join(roff_args(rest)))
        if name in ALTERNATING:
            return unescape("".join(roff_args(rest)))
        return ""
    return unescape(line)


class Page:
    def __init__(self, path, mandir):
        self.path = path
        # Named in messages as the source tree names it: man/man3/x.3
        self.file = os.path.join("man", os.path.relpath(path, mandir))
        with open(path, encoding="utf-8") as f:
            self.lines = f.read().split("\n")
        self.link = None
        body = [l for l in self.lines if l.strip() and not l.startswith('.\\"')]
        if len(body) == 1 and body[0].startswith(".so "):
            self.link = body[0][4:].strip()
        self.sections = {}
        current = None
        for no, l in enumerate(self.lines, 1):
            m = re.match(r'\.SH\s+"?([^"]*)"?\s*$', l)
            if m:
                current = m.group(1).strip()
                self.sections[current] = []
            elif current is not None:
                self.sections[current].append((no, l))
        self.th = next((l for l in self.lines if l.startswith(".TH ")), None)

    def section(self, *names):
        for n in names:
            if n in self.sections:
                return self.sections[n]
        return None

    def names(self):
        """The functions the NAME section lists, before the \\- ."""
        sec = self.section("NAME") or []
        text = " ".join(line_text(l) for _, l in sec)
        head = text.split(" - ", 1)[0] if " - " in text else text
        return [n.strip() for n in head.split(",") if n.strip()]

    def synopsis(self):
        """(#include headers, [(name, prototype text, line)]) of the
        SYNOPSIS's .nf/.fi blocks."""
        sec = self.section("SYNOPSIS") or []
        includes, protos, stmt, start, in_nf = [], [], [], None, False
        for no, l in sec:
            if l.startswith(".nf"):
                in_nf = True
                continue
            if l.startswith(".fi"):
                in_nf = False
                continue
            if not in_nf:
                continue
            t = line_text(l).strip()
            m = re.match(r"#\s*include\s*<([^>]+)>", t)
            if m:
                includes.append(m.group(1))
                continue
            if t.startswith("#"):  # a macro the page shows beside the prototypes
                continue
            if not t:
                continue
            if start is None:
                start = no
            stmt.append(t)
            if t.endswith(";"):
                text = " ".join(stmt)
                m = re.search(r"\b(sysv_\w+)\s*\(", text)
                protos.append((m.group(1) if m else None, text, start))
                stmt, start = [], None
        if stmt:
            protos.append((None, " ".join(stmt), start))
        return includes, protos

    def errors(self):
        """[(errno, restricted-to names or None, line)] from ERRORS."""
        sec = self.section("ERRORS")
        if sec is None:
            return [], []
        entries, problems = [], []
        i = 0
        while i < len(sec):
            no, l = sec[i]
            if l.startswith(".TP"):
                if i + 1 >= len(sec):
                    problems.append((no, ".TP without a tag"))
                    break
                tag_no, tag = sec[i + 1]
                name = line_text(tag).strip()
                if not re.fullmatch(r"E[A-Z0-9]+", name) or name not in KNOWN_ERRNOS:
                    problems.append((tag_no, "ERRORS entry tag %r is not an errno name" % name))
                    i += 2
                    continue
                only = None
                if i + 2 < len(sec):
                    first = line_text(sec[i + 2][1]).strip()
                    m = re.fullmatch(r"\((.*) only\)", first)
                    if m:
                        only = set(re.findall(r"\bsysv_\w+", m.group(1)))
                entries.append((name, only, tag_no))
                i += 2
                continue
            i += 1
        return entries, problems

    def example(self):
        """(program text, first line, compile_only, expected output or None)
        of the EXAMPLES section, or None."""
        sec = self.section("EXAMPLES", "EXAMPLE")
        if sec is None:
            return None
        compile_only = any(re.match(r'\.\\"\s*example:\s*compile-only', l) for _, l in sec)
        blocks, cur, start = [], None, None
        for no, l in sec:
            if l.startswith(".EX"):
                cur, start = [], no + 1
            elif l.startswith(".EE"):
                if cur is not None:
                    blocks.append((cur, start))
                cur = None
            elif cur is not None:
                cur.append(l)
        expected = None
        for block, start in blocks:
            text = code_text(block)
            if expected is None and text.startswith("$ "):
                # The output of the first command: up to the next prompt.
                out = []
                for l in text.split("\n")[1:]:
                    if l.startswith("$ "):
                        break
                    out.append(l)
                expected = "\n".join(out).rstrip("\n") + "\n"
        for block, start in blocks:
            code = code_text(block)
            if re.search(r"\bmain\s*\(", code):
                return code, start, compile_only, expected
        return None


def code_text(lines):
    """A program inside .EX/.EE, as the reader sees it."""
    out = []
    for l in lines:
        if l.startswith('.\\"'):
            continue
        if l.startswith((".", "'")):
            raise ValueError("a roff request inside the program: %r" % l)
        out.append(unescape(l))
    return "\n".join(out) + "\n"


def norm_proto(text):
    t = " ".join(text.replace("SYSV_API", " ").split())
    return re.sub(r"\s*([(),*;])\s*", r"\1", t).strip()


# ---- the headers -----------------------------------------------------------

def read_headers(hdir):
    """{name: (prototype, header file, comment, line)}"""
    funcs = {}
    for fname in sorted(os.listdir(hdir)):
        if not fname.endswith(".h"):
            continue
        with open(os.path.join(hdir, fname), encoding="utf-8") as f:
            text = f.read()
        for m in re.finditer(r"^SYSV_API\b[^;]*;", text, re.M):
            decl = m.group(0)
            nm = re.search(r"\b(sysv_\w+)\s*\(", decl)
            if not nm:
                continue
            before = text[:m.start()].rstrip()
            comment = ""
            if before.endswith("*/"):
                comment = before[before.rfind("/*"):]
            line = text.count("\n", 0, m.start()) + 1
            funcs[nm.group(1)] = (decl, fname, comment, line)
    return funcs


def header_errors(funcs):
    """{name: set of errno names}, references resolved; plus problems."""
    own, refs, problems = {}, {}, []
    for name, (_, fname, comment, line) in funcs.items():
        m = re.search(r"\bErrors\b(?=\s*(?:\([^)]*\)\s*)?:|\s+as\b)", comment)
        if not m:
            own[name], refs[name] = set(), []
            continue
        text = comment[m.start():]
        toks = set(re.findall(r"(?<![A-Za-z0-9_])E[A-Z0-9]{2,}(?![A-Za-z0-9_])", text))
        for t in sorted(toks - KNOWN_ERRNOS):
            problems.append("%s:%d: %s: %r in its Errors text is not an errno name"
                            % (fname, line, name, t))
        own[name] = toks & KNOWN_ERRNOS
        refs[name] = re.findall(
            r"(?:\bErrors:?\s+(?:as|those of)\s+|\bwhatever\s+)(sysv_\w+)", text)
        for r in refs[name]:
            if r not in funcs:
                problems.append("%s:%d: %s: its Errors refer to %s, which is not declared"
                                % (fname, line, name, r))

    def resolve(name, seen):
        s = set(own.get(name, ()))
        for r in refs.get(name, []):
            if r in funcs and r not in seen:
                s |= resolve(r, seen | {r})
        return s

    return {n: resolve(n, {n}) for n in funcs}, problems


# ---- drift ------------------------------------------------------------------

def cmd_drift(args):
    funcs = read_headers(args.headers)
    if not funcs:
        print("no SYSV_API function found in %s" % args.headers)
        return 1
    expected, problems = header_errors(funcs)
    man3 = os.path.join(args.man, "man3")
    pages = {}
    for f in sorted(os.listdir(man3)):
        if f.endswith(".3"):
            pages[f[:-2]] = Page(os.path.join(man3, f), args.man)
    others = []
    for sect in sorted(os.listdir(args.man)):
        d = os.path.join(args.man, sect)
        if re.fullmatch(r"man[0-9]", sect) and sect != "man3":
            others += [Page(os.path.join(d, f), args.man) for f in sorted(os.listdir(d))
                       if re.fullmatch(r".+\.[0-9]", f)]

    documented = {}  # function -> the main page that documents it
    old_version = []  # pages whose .TH names another version
    mains = {n: p for n, p in pages.items() if p.link is None}
    for stem, p in mains.items():
        names = p.names()
        if not names:
            problems.append("%s: no NAME section, or it lists no function" % p.file)
            continue
        if stem not in names:
            problems.append("%s: the page's own name %s is not in its NAME section (%s)"
                            % (p.file, stem, ", ".join(names)))
        for n in names:
            if n not in funcs:
                problems.append("%s: NAME lists %s, which no header declares" % (p.file, n))
            elif n in documented:
                problems.append("%s: %s is also documented in %s" % (p.file, n, documented[n].file))
            else:
                documented[n] = p
        if args.version and (p.th is None or ('"libsysv %s"' % args.version) not in p.th):
            old_version.append(p.file)

        # SYNOPSIS: the headers, and one prototype per function, as declared.
        includes, protos = p.synopsis()
        seen = set()
        for fname, text, line in protos:
            if fname is None:
                problems.append("%s:%d: SYNOPSIS: not a prototype: %s" % (p.file, line, text))
                continue
            seen.add(fname)
            if fname not in funcs:
                problems.append("%s:%d: SYNOPSIS declares %s, which no header declares"
                                % (p.file, line, fname))
                continue
            decl, hfile = funcs[fname][0], funcs[fname][1]
            if norm_proto(text) != norm_proto(decl):
                problems.append("%s:%d: SYNOPSIS prototype of %s differs from %s:%d\n"
                                "    page:   %s\n    header: %s"
                                % (p.file, line, fname, hfile, funcs[fname][3],
                                   " ".join(text.split()),
                                   " ".join(decl.replace("SYSV_API ", "").split())))
            if "sysv/" + hfile not in includes:
                problems.append("%s: SYNOPSIS does not #include <sysv/%s>, which declares %s"
                                % (p.file, hfile, fname))
        for n in names:
            if n in funcs and n not in seen:
                problems.append("%s: SYNOPSIS has no prototype for %s" % (p.file, n))
        for n in sorted(seen - set(names)):
            problems.append("%s: SYNOPSIS declares %s, which NAME does not list" % (p.file, n))

        # ERRORS, function by function.
        entries, eproblems = p.errors()
        problems += ["%s:%d: %s" % (p.file, no, why) for no, why in eproblems]
        for e, only, line in entries:
            for o in sorted((only or set()) - set(names)):
                problems.append("%s:%d: ERRORS: %s is restricted to %s, which this page does "
                                "not document" % (p.file, line, e, o))
        for n in names:
            if n not in funcs:
                continue
            got = {e for e, only, _ in entries if only is None or n in only}
            want = expected[n]
            hfile, hline = funcs[n][1], funcs[n][3]
            for e in sorted(want - got):
                problems.append("%s: ERRORS: %s is missing for %s (%s:%d promises it)"
                                % (p.file, e, n, hfile, hline))
            for e in sorted(got - want):
                problems.append("%s: ERRORS: %s is listed for %s, but %s:%d does not promise it"
                                % (p.file, e, n, hfile, hline))

    for p in others:
        if args.version and (p.th is None or ('"libsysv %s"' % args.version) not in p.th):
            old_version.append(p.file)
    if old_version:
        problems.append("%d page(s) do not say \"libsysv %s\" in .TH (%s); the project's version "
                        "changed: sed -i 's/\"libsysv [0-9.]*\"/\"libsysv %s\"/' "
                        "man/man*/*.[0-9]"
                        % (len(old_version), args.version, " ".join(old_version[:3])
                           + (" ..." if len(old_version) > 3 else ""), args.version))

    # Links.
    for stem, p in pages.items():
        if p.link is None:
            continue
        m = re.fullmatch(r"man3/(\w+)\.3", p.link)
        target = pages.get(m.group(1)) if m else None
        if target is None or target.link is not None:
            problems.append("%s: .so %s is not a page in man/man3" % (p.file, p.link))
            continue
        if stem not in target.names():
            problems.append("%s: links to %s, whose NAME does not list %s"
                            % (p.file, target.file, stem))
        if stem not in funcs:
            problems.append("%s: a link for %s, which no header declares" % (p.file, stem))

    # Every function has a page of its own name.
    for n in sorted(funcs):
        if n not in pages:
            where = documented.get(n)
            problems.append("%s (%s:%d) has no man/man3/%s.3%s"
                            % (n, funcs[n][1], funcs[n][3], n,
                               " (documented in %s: add a link)" % where.file if where else ""))
        elif n not in documented:
            problems.append("%s (%s:%d) is not in the NAME section of any page"
                            % (n, funcs[n][1], funcs[n][3]))

    # Cross-references to sysv_*(3) pages resolve; libsysv(7) lists every function.
    for p in list(pages.values()) + others:
        for no, l in enumerate(p.lines, 1):
            for ref in re.findall(r"\b(sysv_\w+)\s*\(3\)", line_text(l)):
                if ref not in pages:
                    problems.append("%s:%d: refers to %s(3), which has no page" % (p.file, no, ref))
    overview = [p for p in others if os.path.basename(p.path) == "libsysv.7"]
    if not overview:
        problems.append("man/man7/libsysv.7 is missing")
    else:
        text = " ".join(line_text(l) for l in overview[0].lines)
        listed = set(re.findall(r"\b(sysv_\w+)\s*\(3\)", text))
        for n in sorted(set(funcs) - listed):
            problems.append("%s: does not list %s(3)" % (overview[0].file, n))

    for msg in problems:
        print("FAIL " + msg)
    nlinks = sum(1 for p in pages.values() if p.link)
    if problems:
        print("%d problem(s): the pages in %s no longer match the headers in %s"
              % (len(problems), args.man, args.headers))
        return 1
    print("%d functions, %d pages and %d links in man3: every function has a page, every "
          "SYNOPSIS and ERRORS list matches its header" % (len(funcs), len(mains), nlinks))
    return 0


# ---- render -----------------------------------------------------------------

def all_pages(mandir):
    out = []
    for sect in sorted(os.listdir(mandir)):
        d = os.path.join(mandir, sect)
        if re.fullmatch(r"man[0-9]", sect):
            out += [os.path.join(sect, f) for f in sorted(os.listdir(d))
                    if re.fullmatch(r".+\.[0-9]", f)]
    return out


def render_one(groff, mandir, rel):
    """The complaints about one page, or None."""
    # From the man directory, so that ".so man3/X.3" resolves as man(1)
    # resolves it. Both devices man(1) uses: utf8 at groff's default width
    # (65 columns), ascii at the 78 that man(1) sets on an 80-column
    # terminal, where no line may be wider than the terminal.
    found = []
    for dev, width in (("utf8", None), ("ascii", "78n")):
        cmd = [groff, "-man", "-ww", "-T" + dev]
        cmd += ["-rLL=" + width, "-P-cbou"] if width else ["-z"]
        r = subprocess.run(cmd + [rel], cwd=mandir, capture_output=True, text=True)
        msg = r.stderr.strip()
        if r.returncode != 0 or msg:
            found.append("%s (groff %s, status %d):\n%s"
                         % (rel, " ".join(cmd[1:]), r.returncode, msg))
        wide = [l for l in r.stdout.split("\n") if len(l) > 80]
        if wide:
            found.append("%s: %d line(s) wider than an 80-column terminal (groff %s):\n%s"
                         % (rel, len(wide), " ".join(cmd[1:]), "\n".join(wide)))
    return "\nFAIL ".join(found) if found else None


def cmd_render(args):
    if shutil.which(args.groff) is None:
        # Skipped, saying why (ctest shows it): a machine without groff
        # cannot render the pages for man(1) either. CI installs it.
        print("SKIP groff not found (%s): on Debian and Ubuntu it is in groff-base, "
              "which .ci/deps.sh installs" % args.groff)
        return 77
    pages = all_pages(args.man)
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(lambda rel: render_one(args.groff, args.man, rel), pages))
    bad = [r for r in results if r]
    for r in bad:
        print("FAIL " + r)
    if bad:
        print("%d of %d pages do not render cleanly" % (len(bad), len(pages)))
        return 1
    print("%d pages render without a warning (groff -man -ww: utf8 and ascii, 65 and 78 "
          "columns), and fit an 80-column terminal" % len(pages))
    return 0


# ---- examples ---------------------------------------------------------------

def cmd_examples(args):
    os.makedirs(args.work, exist_ok=True)
    libdir = os.path.dirname(os.path.abspath(args.lib))
    flags = shlex.split(args.flags or "")
    failed, ran, compiled = [], 0, 0
    for rel in all_pages(args.man):
        p = Page(os.path.join(args.man, rel), args.man)
        if p.link is not None:
            continue
        try:
            ex = p.example()
        except ValueError as e:
            failed.append(rel)
            print("FAIL %s: EXAMPLES: %s" % (rel, e))
            continue
        if ex is None:
            if rel.startswith("man3/"):
                failed.append(rel)
                print("FAIL %s: no EXAMPLES program (an .EX block with main)" % rel)
            continue
        code, line, compile_only, expected = ex
        stem = os.path.basename(rel).replace(".", "_")
        src = os.path.join(args.work, stem + ".c")
        exe = os.path.join(args.work, stem)
        with open(src, "w", encoding="utf-8") as f:
            f.write('#line %d "%s"\n' % (line, os.path.join(args.man, rel)))
            f.write(code)
        cmd = [args.cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"] + flags
        cmd += ["-I" + d for d in args.include]
        cmd += [src, "-o", exe, os.path.abspath(args.lib), "-Wl,-rpath," + libdir]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            failed.append(rel)
            print("FAIL %s: the example does not compile:\n  %s\n%s"
                  % (rel, " ".join(cmd), (r.stdout + r.stderr).rstrip()))
            continue
        compiled += 1
        if compile_only:
            print("ok   %s: compiles (compile-only)" % rel)
            continue
        run = [exe]
        if args.guard:
            run = [args.guard, "run", "--timeout", "30", "--"] + run
        r = subprocess.run(run, capture_output=True, text=True, cwd=args.work)
        ran += 1
        out = (r.stdout + r.stderr).rstrip()
        if r.returncode != 0:
            failed.append(rel)
            print("FAIL %s: the example exited with %d:\n%s" % (rel, r.returncode, out))
            continue
        if expected is not None and r.stdout != expected:
            failed.append(rel)
            print("FAIL %s: the example's output is not what the page shows:\n"
                  "--- the page\n%s--- the program\n%s---" % (rel, expected, r.stdout))
            continue
        print("ok   %s: compiles and runs%s%s" % (
            rel, ", prints what the page shows" if expected is not None else "",
            ("\n    " + out.replace("\n", "\n    ")) if out and args.verbose else ""))
    if failed:
        print("%d page(s) with a broken example: %s" % (len(failed), " ".join(failed)))
        return 1
    print("%d examples compile, %d of them run cleanly" % (compiled, ran))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("drift")
    d.add_argument("--headers", required=True)
    d.add_argument("--man", required=True)
    d.add_argument("--version")
    r = sub.add_parser("render")
    r.add_argument("--man", required=True)
    r.add_argument("--groff", default="groff")
    e = sub.add_parser("examples")
    e.add_argument("--man", required=True)
    e.add_argument("--work", required=True)
    e.add_argument("--cc", default="cc")
    e.add_argument("--include", action="append", default=[])
    e.add_argument("--lib", required=True)
    e.add_argument("--flags", default="")
    e.add_argument("--guard")
    e.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    return {"drift": cmd_drift, "render": cmd_render, "examples": cmd_examples}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
