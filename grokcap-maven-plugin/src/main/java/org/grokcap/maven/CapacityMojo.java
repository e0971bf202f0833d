package org.grokcap.maven;

import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * Memorization capacity ({@code grokcap capacity entropy|plan|of}): the entropy of a dataset, the
 * dataset size that reaches a target entropy, or the capacity of a trained run in bits per parameter.
 */
@Mojo(name = "capacity", defaultPhase = LifecyclePhase.POST_INTEGRATION_TEST, threadSafe = true)
public class CapacityMojo extends AbstractRunMojo {
    /** What to compute: entropy (of grokcap.dataset), plan (grokcap.targetBits for grokcap.config) or of (the run grokcap.runDir or grokcap.runId). */
    @Parameter(property = "grokcap.capacity", required = true)
    protected String capacity;

    /** entropy: the dataset folder (as grokcap:generate writes it). */
    @Parameter(property = "grokcap.dataset")
    protected File dataset;

    /** entropy, plan and of: the encoding scheme. */
    @Parameter(property = "grokcap.scheme")
    protected String scheme;

    /** entropy, plan and of: the selection scheme. */
    @Parameter(property = "grokcap.selection")
    protected String selection;

    /** of: also measure the run under every scheme/selection combination. */
    @Parameter(property = "grokcap.allSchemes", defaultValue = "false")
    protected boolean allSchemes;

    /** plan: the experiment config whose dataset size is planned. */
    @Parameter(property = "grokcap.config")
    protected File config;

    /** plan: the dataset entropy to reach, in bits. */
    @Parameter(property = "grokcap.targetBits")
    protected String targetBits;

    @Override
    protected List<String> arguments() throws MojoFailureException {
        List<String> args = new ArrayList<>(List.of("capacity", capacity));
        switch (capacity) {
            case "entropy" -> {
                args.add(required(dataset, "grokcap.dataset", "the dataset folder").getPath());
                option(args, "--scheme", scheme);
                option(args, "--selection", selection);
            }
            case "plan" -> {
                option(args, "--target-bits", required(targetBits, "grokcap.targetBits", "the target entropy in bits"));
                args.add(required(config, "grokcap.config", "the experiment config").getPath());
                option(args, "--scheme", scheme);
                option(args, "--selection", selection);
            }
            case "of" -> {
                args.add(run().getPath());
                option(args, "--scheme", scheme);
                option(args, "--selection", selection);
                if (allSchemes) {
                    args.add("--all-schemes");
                }
            }
            default -> throw new MojoFailureException("grokcap: grokcap.capacity = " + capacity
                    + ": must be entropy, plan or of");
        }
        return args;
    }
}
