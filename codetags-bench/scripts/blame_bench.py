#!/usr/bin/env python3
"""Blame on a long history: builds a repository with thousands of commits (git fast-import,
deterministic), then times `codetags scan --blame` as users meet it and the ways to ask git.

    blame_bench.py CODETAGS [--commits N] [--files N] [--runs N] [--redis URL] [--work DIR]

Rows (median of --runs, wall time):
  * `git blame --line-porcelain -L…` per tagged file, only the tag lines (what codetags runs),
    against `git blame --porcelain` of whole files: the choice of how to ask git;
  * codetags: no cache (every run blames), the first run with an empty cache, a re-run
    (unchanged repository: no blame work), a re-run after one new commit;
  * with --redis: a second checkout of the same commit at another path with an empty local
    cache, answered through the Redis tier (`PYCODETAGS_CACHE_REMOTE`).
"""

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TAGS = ["TODO", "FIXME", "BUG", "HACK", "NOTE"]
AUTHORS = [("Ann", "ann@example.org"), ("Bob", "bob@example.org"), ("Carol", "carol@example.org"),
           ("Dan", "dan@example.org"), ("Eve", "eve@example.org")]


def build(repo, commits, files, seed=7):
    """A repository of `files` Python files, 60 lines each (every tenth a tag), changed by
    `commits` commits of 1-3 line edits each."""
    rng = random.Random(seed)
    os.makedirs(repo)
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
    contents = [[f"x_{f}_{i} = {i}" if i % 10 else f"# {TAGS[(f + i) % 5]}: item {f}.{i} <p:{i}>"
                 for i in range(60)] for f in range(files)]
    stream = []
    when = 1_700_000_000
    for c in range(commits):
        name, email = AUTHORS[rng.randrange(len(AUTHORS))]
        when += rng.randrange(600, 86_400)
        touched = range(files) if c == 0 else rng.sample(range(files), rng.randint(1, 3))
        for f in touched:
            if c:
                line = rng.randrange(60)
                prefix = f"# {TAGS[rng.randrange(5)]}: rev {c}" if line % 10 == 0 else f"x_{f}_{line} = {c}"
                contents[f][line] = prefix
        message = f"commit {c}\n".encode()
        stream.append(f"commit refs/heads/main\nauthor {name} <{email}> {when} +0100\n"
                      f"committer {name} <{email}> {when} +0100\n".encode())
        stream.append(b"data %d\n" % len(message) + message)
        for f in touched:
            data = ("\n".join(contents[f]) + "\n").encode()
            stream.append(f"M 100644 inline pkg/m{f:04}.py\n".encode() + b"data %d\n" % len(data) + data)
        stream.append(b"\n")
    subprocess.run(["git", "-C", repo, "fast-import", "--quiet"], input=b"".join(stream), check=True)
    subprocess.run(["git", "-C", repo, "checkout", "-q", "-f", "main"], check=True)
    with open(os.path.join(repo, "pyproject.toml"), "w") as out:
        out.write("[tool.pycodetags]\nsrc = [\"pkg\"]\n")


def timed(argv, runs, env=None, cwd=None, prepare=None):
    samples = []
    for _ in range(runs):
        if prepare:
            prepare()
        start = time.perf_counter()
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
        samples.append((time.perf_counter() - start) * 1e3)
        if done.returncode:
            sys.exit(f"blame_bench: {argv} failed: {done.stderr.decode()[-400:]}")
    return statistics.median(samples), min(samples), max(samples)


def git_blame_all(repo, whole):
    """Blames every file as codetags would (tag lines) or whole, sequentially."""
    for name in sorted(os.listdir(os.path.join(repo, "pkg"))):
        path = f"pkg/{name}"
        argv = ["git", "-C", repo, "blame", "--porcelain" if whole else "--line-porcelain"]
        if not whole:
            with open(os.path.join(repo, path)) as f:
                argv += [f"-L{i + 1},{i + 1}" for i, line in enumerate(f) if line.startswith("# ")]
        subprocess.run(argv + ["--", path], check=True, stdout=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("codetags")
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--redis")
    parser.add_argument("--work")
    args = parser.parse_args()
    codetags = os.path.abspath(args.codetags)
    work = args.work or tempfile.mkdtemp(prefix="blame-bench-")
    repo = os.path.join(work, "repo")
    if not os.path.exists(repo):
        start = time.perf_counter()
        build(repo, args.commits, args.files)
        print(f"built {repo}: {args.commits} commits, {args.files} files in {time.perf_counter() - start:.1f} s")
    cache = os.path.join(work, "cache")
    env = dict(os.environ, PYCODETAGS_CACHE_DIR=cache)
    env.pop("PYCODETAGS_CACHE_REMOTE", None)
    scan = [codetags, "scan", "--blame", "-q", "--format", "json", "pkg"]
    rows = []

    def row(label, result):
        rows.append((label, result))
        print(f"{label:<64} {result[0]:>9.1f} ms  ({result[1]:.1f}-{result[2]:.1f})", flush=True)

    row("git blame --line-porcelain -L (tag lines), every file, 1 process at a time",
        timed([sys.executable, __file__, "--_blame", repo, "lines"], args.runs))
    row("git blame --porcelain (whole file), every file, 1 process at a time",
        timed([sys.executable, __file__, "--_blame", repo, "whole"], args.runs))
    row("codetags scan --blame --no-cache (blames every run)",
        timed(scan + ["--no-cache"], args.runs, env=env, cwd=repo))
    row("codetags scan --blame, empty cache (first run)",
        timed(scan, args.runs, env=env, cwd=repo, prepare=lambda: shutil.rmtree(cache, ignore_errors=True)))
    row("codetags scan --blame, re-run (unchanged repository)", timed(scan, args.runs, env=env, cwd=repo))

    def one_more_commit():
        path = os.path.join(repo, "pkg", "m0000.py")
        with open(path, "a") as f:
            f.write(f"# TODO: appended {time.time_ns()}\n")
        subprocess.run(["git", "-C", repo, "commit", "-qam", "one more"], check=True,
                       env=dict(os.environ, GIT_AUTHOR_NAME="B", GIT_AUTHOR_EMAIL="b@x",
                                GIT_COMMITTER_NAME="B", GIT_COMMITTER_EMAIL="b@x"))

    row("codetags scan --blame, after one new commit touching one file",
        timed(scan, args.runs, env=env, cwd=repo, prepare=one_more_commit))
    if args.redis:
        remote_env = dict(env, PYCODETAGS_CACHE_REMOTE=args.redis)
        subprocess.run(scan, cwd=repo, env=remote_env, stdout=subprocess.DEVNULL, check=True)
        second = os.path.join(work, "second")
        shutil.rmtree(second, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", repo, second], check=True)
        second_cache = os.path.join(work, "second-cache")
        second_env = dict(remote_env, PYCODETAGS_CACHE_DIR=second_cache)
        row("codetags scan --blame, second checkout, empty local cache, through Redis",
            timed(scan, args.runs, env=second_env, cwd=second,
                  prepare=lambda: shutil.rmtree(second_cache, ignore_errors=True)))
    print(f"\nload average: {os.getloadavg()[0]:.2f}; {args.commits} commits, {args.files} files")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--_blame":
        git_blame_all(sys.argv[2], sys.argv[3] == "whole")
    else:
        main()
