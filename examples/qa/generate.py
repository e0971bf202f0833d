#!/usr/bin/env python3
"""Writes facts.csv: the example question-answer data of grokcap's qa task (see README, "Your own
question-answer data"). Each row has a context of two facts about two different people, a question
about one of them and the answer, which is in the context. People, relations and values are drawn
independently for every row (Alice lives in Rome in one row and in Oslo in another), so remembering
training rows does not answer a held-out row: the model has to read the context.
Standard library only; the same seed writes the same file.

    /usr/bin/python3 examples/qa/generate.py [--rows 600] [--seed 0] > examples/qa/facts.csv
"""
import argparse
import csv
import random
import sys

PEOPLE = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi",
          "Ivan", "Judy", "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil"]
CITIES = ["Paris", "Rome", "Oslo", "Lima", "Cairo", "Tokyo", "Quito", "Dublin",
          "Seoul", "Lagos", "Hanoi", "Perth"]
JOBS = ["teacher", "baker", "pilot", "nurse", "farmer", "lawyer", "painter", "chef",
        "doctor", "plumber"]
FOODS = ["rice", "apple pie", "green tea", "cheese", "fresh bread", "soup", "noodles",
         "dark chocolate", "olives", "hot peppers"]

# relation -> (fact template, question template, values)
RELATIONS = {
    "city": ("{p} lives in {v}", "Where does {p} live?", CITIES),
    "job": ("{p} works as a {v}", "What is {p}'s job?", JOBS),
    "food": ("{p} likes {v}", "What does {p} like?", FOODS),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=600)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["context", "question", "answer"])
    seen = set()
    while len(seen) < args.rows:
        p1, p2 = rng.sample(PEOPLE, 2)
        r1, r2 = rng.choice(list(RELATIONS)), rng.choice(list(RELATIONS))
        v1, v2 = rng.choice(RELATIONS[r1][2]), rng.choice(RELATIONS[r2][2])
        facts = [RELATIONS[r1][0].format(p=p1, v=v1), RELATIONS[r2][0].format(p=p2, v=v2)]
        # two sentences, or one joined with ", and" (a comma, so the CSV field is quoted)
        context = (facts[0] + ", and " + facts[1] + ".") if rng.random() < 0.5 else (facts[0] + ". " + facts[1] + ".")
        ask, rel, value = (p1, r1, v1) if rng.random() < 0.5 else (p2, r2, v2)
        question = RELATIONS[rel][1].format(p=ask)
        row = (context, question, value)
        if row not in seen:
            seen.add(row)
            w.writerow(row)


if __name__ == "__main__":
    main()
