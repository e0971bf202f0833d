package org.grokcap.data.profiles;

import org.grokcap.data.TokenizedDataset;

import java.util.List;
import java.util.Map;

/**
 * Everything the profiles task generates for one seed: the profiles, the pools their values come
 * from, the questions of every split, the tokenized dataset the trainer reads, and per split where
 * each answer lies ({@link AnswerSpans}), for per-answer losses and capacity.
 *
 * @param subjects  attribute names, then relation names: the meaning of a subject index
 * @param questions per split, in sequence order: question i of a split is row i of its spans
 */
public record ProfilesData(ProfilesTaskSpec spec, ValuePools pools, Profiles profiles, List<String> subjects,
                           List<Attribute> attributes, Map<String, List<Question>> questions,
                           TokenizedDataset dataset, Map<String, AnswerSpans> spans) {

    /** Whether subject index s is a relation (its answer is a person's three name tokens). */
    public boolean isRelation(int s) {
        return s >= attributes.size();
    }
}
