package org.grokcap.data.profiles;

import java.util.List;
import java.util.Map;

/**
 * The relations a profile can have (docs/science.md §3): r4 = parent, child, best_friend, worst_enemy;
 * r17 = those plus thirteen more. In bipartite mode each relation has one of three shapes, so that the
 * relations stay consistent with one another:
 * <ul>
 *   <li>{@link Shape#MUTUAL}: a perfect matching, X's r is Y exactly when Y's r is X (best_friend,
 *       worst_enemy, sibling, spouse, cousin, business_partner, evil_twin);</li>
 *   <li>{@link Shape#INVERSE}: one half of an inverse pair, X's r is Y exactly when Y's inverse is X
 *       (parent/child, grandparent/grandchild, mentor/protege);</li>
 *   <li>{@link Shape#ONE_TO_ONE}: no inverse among the 17 (betrayer, debtor, blackmailer, hero): each
 *       person is the r of exactly one other person.</li>
 * </ul>
 */
public final class Relations {
    private Relations() {}

    public enum Shape { MUTUAL, INVERSE, ONE_TO_ONE }

    public static final List<String> R4 = List.of("parent", "child", "best_friend", "worst_enemy");

    public static final List<String> R17 = List.of("parent", "child", "best_friend", "worst_enemy", "sibling",
            "spouse", "cousin", "grandparent", "grandchild", "business_partner", "protege", "mentor", "betrayer",
            "debtor", "blackmailer", "hero", "evil_twin");

    /** Each relation of an inverse pair, mapped to the other half. */
    public static final Map<String, String> INVERSES = Map.of(
            "parent", "child", "child", "parent",
            "grandparent", "grandchild", "grandchild", "grandparent",
            "mentor", "protege", "protege", "mentor");

    private static final List<String> MUTUAL = List.of("best_friend", "worst_enemy", "sibling", "spouse", "cousin",
            "business_partner", "evil_twin");

    public static boolean known(String name) {
        return R17.contains(name);
    }

    public static Shape shape(String relation) {
        if (MUTUAL.contains(relation)) {
            return Shape.MUTUAL;
        }
        return INVERSES.containsKey(relation) ? Shape.INVERSE : Shape.ONE_TO_ONE;
    }

    /**
     * Whether, in bipartite mode, this relation is derived from another one of the set: the second half
     * of an inverse pair whose first half (in r17 order) is also present. Its content is the inverse of
     * the first's and carries no information of its own.
     */
    public static boolean derived(String relation, List<String> present) {
        String inverse = INVERSES.get(relation);
        return inverse != null && present.contains(inverse) && R17.indexOf(inverse) < R17.indexOf(relation);
    }
}
