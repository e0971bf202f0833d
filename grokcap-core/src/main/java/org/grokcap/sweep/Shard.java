package org.grokcap.sweep;

import org.grokcap.util.BadInputException;

import java.util.Map;

/**
 * One slice of a sweep: the runs whose position in the sweep's list leaves remainder {@code index}
 * when divided by {@code count} (round robin, so every slice gets nearly the same number of runs).
 * Kubernetes Indexed Jobs and Slurm arrays give each worker its index in the environment.
 *
 * @param index 0-based, below count
 * @param count how many slices the sweep is cut into
 */
public record Shard(int index, int count) {
    /** The whole sweep. */
    public static final Shard ALL = new Shard(0, 1);

    public Shard {
        if (count < 1) {
            throw new BadInputException("shard count " + count + ": must be at least 1");
        }
        if (index < 0 || index >= count) {
            throw new BadInputException("shard index " + index + ": must be from 0 to " + (count - 1)
                    + " for " + count + " shards");
        }
    }

    /** Parses {@code i/N}, e.g. {@code 0/4}. */
    public static Shard parse(String text) {
        String[] parts = text.trim().split("/", -1);
        if (parts.length != 2) {
            throw new BadInputException("shard '" + text + "': expected i/N, e.g. 0/4 (index i from 0 to N-1)");
        }
        return new Shard(number(parts[0], "shard index in '" + text + "'"), number(parts[1], "shard count in '" + text + "'"));
    }

    /**
     * The shard of a batch worker: count as given, the index from {@code JOB_COMPLETION_INDEX}
     * (Kubernetes Indexed Job) or {@code SLURM_ARRAY_TASK_ID} (less {@code SLURM_ARRAY_TASK_MIN}, so
     * that an array may start at 1).
     */
    public static Shard fromEnvironment(Map<String, String> env, int count) {
        String k8s = env.get("JOB_COMPLETION_INDEX");
        String slurm = env.get("SLURM_ARRAY_TASK_ID");
        if (k8s != null && !k8s.isBlank()) {
            return new Shard(number(k8s, "JOB_COMPLETION_INDEX"), count);
        }
        if (slurm != null && !slurm.isBlank()) {
            String min = env.get("SLURM_ARRAY_TASK_MIN");
            int first = min == null || min.isBlank() ? 0 : number(min, "SLURM_ARRAY_TASK_MIN");
            return new Shard(number(slurm, "SLURM_ARRAY_TASK_ID") - first, count);
        }
        throw new BadInputException("a shard count without an index: neither JOB_COMPLETION_INDEX (Kubernetes "
                + "Indexed Job) nor SLURM_ARRAY_TASK_ID (Slurm array) is set; give the shard as i/N instead");
    }

    /** Whether the run at this position of the sweep's list belongs to this shard. */
    public boolean selects(int position) {
        return position % count == index;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }

    private static int number(String text, String what) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new BadInputException(what + " = '" + text + "': not a whole number");
        }
    }
}
