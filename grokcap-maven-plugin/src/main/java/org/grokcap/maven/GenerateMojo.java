package org.grokcap.maven;

import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the dataset an experiment's task generates ({@code grokcap generate CONFIG --out DIR}) into
 * OUTPUT_DIRECTORY/RUN_ID/dataset: the splits as JSON lines, and dataset.json with the task's knobs,
 * seed and hash.
 */
@Mojo(name = "generate", defaultPhase = LifecyclePhase.GENERATE_RESOURCES, threadSafe = true)
public class GenerateMojo extends AbstractGrokcapMojo {
    /** The experiment config (JSON or YAML). */
    @Parameter(property = "grokcap.config", required = true)
    protected File config;

    /** The run id, the folder under the output directory; default the config file's name without extension. */
    @Parameter(property = "grokcap.runId")
    protected String runId;

    /** The seed of the data; default the config's train.seed. */
    @Parameter(property = "grokcap.seed")
    protected Long seed;

    @Override
    protected List<String> arguments() throws MojoFailureException {
        File out = new File(runDirectory(runId != null ? runId : baseName(config)), "dataset");
        String[] present = out.list();
        if (present != null && present.length > 0) {
            throw new MojoFailureException("grokcap: " + out + " already holds a dataset; run 'mvn clean' or set "
                    + "grokcap.runId to another name");
        }
        List<String> args = new ArrayList<>(List.of("generate", config.getPath(), "--out", out.getPath()));
        option(args, "--seed", seed);
        return args;
    }
}
