package org.grokcap.maven;

import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * Trains one experiment ({@code grokcap train CONFIG --out DIR}) into OUTPUT_DIRECTORY/RUN_ID: run.json
 * (config, provenance, result), metrics.jsonl, weights, checkpoints and plots.
 */
@Mojo(name = "train", defaultPhase = LifecyclePhase.INTEGRATION_TEST, threadSafe = true)
public class TrainMojo extends AbstractGrokcapMojo {
    /** The experiment config (JSON or YAML). */
    @Parameter(property = "grokcap.config", required = true)
    protected File config;

    /** The run id, the folder under the output directory; default the config file's name without extension. */
    @Parameter(property = "grokcap.runId")
    protected String runId;

    /** Train at most this many steps (fewer than the config's train.steps, e.g. for a quick check). */
    @Parameter(property = "grokcap.maxSteps")
    protected Integer maxSteps;

    /** The seed; default the config's train.seed. */
    @Parameter(property = "grokcap.seed")
    protected Long seed;

    /** CPU threads; default all cores. */
    @Parameter(property = "grokcap.threads")
    protected Integer threads;

    /** Write a checkpoint every this many steps, so that the run can resume (grokcap train --resume). */
    @Parameter(property = "grokcap.checkpointEvery")
    protected Integer checkpointEvery;

    /** Record the progress measures (Fourier, phases) every this many steps (modular tasks). */
    @Parameter(property = "grokcap.analysisEvery")
    protected Integer analysisEvery;

    @Override
    protected List<String> arguments() throws MojoFailureException {
        File out = runDirectory(runId != null ? runId : baseName(config));
        if (new File(out, "run.json").exists()) {
            throw new MojoFailureException("grokcap: " + out + " already holds a run; run 'mvn clean', or set "
                    + "grokcap.runId to another name");
        }
        List<String> args = new ArrayList<>(List.of("train", config.getPath(), "--out", out.getPath()));
        option(args, "--max-steps", maxSteps);
        option(args, "--seed", seed);
        option(args, "--threads", threads);
        option(args, "--checkpoint-every", checkpointEvery);
        option(args, "--analysis-every", analysisEvery);
        return args;
    }
}
