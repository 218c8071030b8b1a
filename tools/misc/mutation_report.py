"""Summarise a mutmut run (make mutation): mutants per file and outcome, the score, and
every mutant that was not killed, with its diff.

    python tools/misc/mutation_report.py [--diffs] [PATTERN ...]

PATTERN: mutmut's mutant-name globs (the Makefile's MUTANTS); without, every mutant.
--diffs: print each survivor's diff as well (``mutmut show``, a few seconds each).
Run from the repository root after ``mutmut run`` (mutmut must be importable).
Score = killed / (killed + survived + no tests): a timeout counts as killed (the mutant
made the tests hang or crawl); mutants not yet checked are left out and counted.
"""
import collections
import fnmatch
import subprocess
import sys

KILLED = {'killed', 'timeout', 'segfault'}
NOT_KILLED = {'survived', 'no tests', 'suspicious'}


def mutmut(*args):
    return subprocess.run([sys.executable, '-m', 'mutmut', *args], capture_output=True,
                          text=True, check=True).stdout


def outcomes(patterns):
    """{mutant name: status} from ``mutmut results --all true``."""
    found = {}
    for line in mutmut('results', '--all', 'true').splitlines():
        name, sep, status = line.strip().rpartition(': ')
        if sep and (not patterns or any(fnmatch.fnmatch(name, p) for p in patterns)):
            found[name] = status
    return found


def source_file(name):
    return name.split('.x')[0].replace('.', '/') + '.py'


def main(patterns, diffs=False):
    found = outcomes(patterns)
    table = collections.defaultdict(collections.Counter)
    for name, status in found.items():
        table[source_file(name)][status] += 1
    statuses = sorted({s for counts in table.values() for s in counts})
    print('| file | ' + ' | '.join(statuses) + ' | score |')
    print('|---|' + '---|' * (len(statuses) + 1))
    total = collections.Counter()
    for path, counts in sorted(table.items()):
        total.update(counts)
        print(f'| {path} | ' + ' | '.join(str(counts[s]) for s in statuses) +
              f' | {score(counts)} |')
    print('| all | ' + ' | '.join(str(total[s]) for s in statuses) + f' | {score(total)} |')
    survivors = sorted(n for n, s in found.items() if s in NOT_KILLED)
    print(f'\n{len(survivors)} not killed:\n')
    for name in survivors:
        print(f'{name} ({found[name]})')
        if diffs:
            print(mutmut('show', name).strip() + '\n')


def score(counts):
    killed = sum(counts[s] for s in KILLED)
    judged = killed + sum(counts[s] for s in NOT_KILLED)
    return f'{100 * killed / judged:.1f}% of {judged}' if judged else '-'


if __name__ == '__main__':
    args = sys.argv[1:]
    main([a for a in args if a != '--diffs'], diffs='--diffs' in args)
