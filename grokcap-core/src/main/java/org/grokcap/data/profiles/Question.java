package org.grokcap.data.profiles;

/**
 * One question about the profiles. 1-hop: "What was {person}'s {subject}?" (relation = -1). 2-hop:
 * "What was {person}'s {relation}'s {subject}?", answered by the subject of the bridge person
 * relation(person).
 *
 * @param person   the profile asked about (p1)
 * @param relation index into the task's relations for the first hop, or -1
 * @param subject  index into the task's subjects: attributes first, then relations
 */
public record Question(int person, int relation, int subject) {
    public int hops() {
        return relation < 0 ? 1 : 2;
    }
}
