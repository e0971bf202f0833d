#!/usr/bin/env python3
"""Writes the bundled value pools of the profiles task (grokcap-core/src/main/resources/org/grokcap/data/profiles).

There is no internet on the machines grokcap is built on, so the pools are synthetic, pronounceable
words made from syllables in a fixed order and shuffled with a fixed seed: running this script again
writes the same files byte for byte. Every value in every pool is distinct from every value of every
other pool, so a value's token names one pool only. Sizes: first 4000, middle 4000, last 20000,
city 1000, university 500, employer 500.
"""
import random
import sys
from pathlib import Path

ONSETS = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "r",
          "s", "sh", "t", "th", "tr", "v", "w", "z"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io"]
CODAS = ["", "n", "r", "l", "s", "th", "nd", "m"]
LAST_SUFFIXES = ["son", "ley", "ton", "wick", "berg", "man", "ford", "by", "er", "ell"]
CITY_SUFFIXES = ["ville", "port", "holm", "burg", "dale", "field", "haven", "mouth", "stead", "gate"]
UNIVERSITY_FORMS = ["{} University", "University of {}", "{} Institute of Technology", "{} College",
                    "{} State University"]
EMPLOYER_FORMS = ["{} Systems", "{} Logistics", "{} Foods", "{} Holdings", "{} Labs", "{} Motors",
                  "{} Textiles", "{} Energy", "{} Media", "{} Pharma"]


def syllables():
    return [o + v + c for o in ONSETS for v in VOWELS for c in CODAS]


def main(out_dir):
    rng = random.Random(20261122)
    syl = syllables()
    two = [a + b for a in syl for b in syl]          # 2.56M two-syllable roots, in a fixed order
    rng.shuffle(two)
    used = set()

    def take(count, make):
        values = []
        for root in iter_roots:
            v = make(root)
            if v not in used:
                used.add(v)
                values.append(v)
                if len(values) == count:
                    return values
        raise SystemExit("ran out of roots")

    iter_roots = iter(two)
    pools = {}
    pools["first-names"] = take(4000, lambda r: r.capitalize())
    pools["middle-names"] = take(4000, lambda r: r.capitalize())
    pools["last-names"] = take(20000, lambda r: (r + rng.choice(LAST_SUFFIXES)).capitalize())
    pools["cities"] = take(1000, lambda r: (r + rng.choice(CITY_SUFFIXES)).capitalize())
    pools["universities"] = take(500, lambda r: rng.choice(UNIVERSITY_FORMS).format(r.capitalize()))
    pools["employers"] = take(500, lambda r: rng.choice(EMPLOYER_FORMS).format(r.capitalize()))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, values in pools.items():
        (out / (name + ".txt")).write_text("\n".join(values) + "\n", encoding="utf-8")
        print(name, len(values))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "grokcap-core/src/main/resources/org/grokcap/data/profiles")
