package org.grokcap.maven;

import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * One HTML report, with PNG and SVG charts, over every run found under the input folders
 * ({@code grokcap report DIR... --out DIR}): a sweep's shards, made on many machines and copied
 * together, merge into one table and one set of charts.
 */
@Mojo(name = "report", defaultPhase = LifecyclePhase.VERIFY, threadSafe = true)
public class ReportMojo extends AbstractGrokcapMojo {
    /** The folders to search for run directories (comma-separated as a property); default the output directory. */
    @Parameter(property = "grokcap.reportInputs")
    protected List<File> reportInputs;

    /** Where the report goes (index.html and its charts). */
    @Parameter(property = "grokcap.reportDirectory", defaultValue = "${project.build.directory}/site/grokcap")
    protected File reportDirectory;

    @Override
    protected List<String> arguments() {
        List<String> args = new ArrayList<>(List.of("report"));
        if (reportInputs == null || reportInputs.isEmpty()) {
            args.add(outputDirectory.getPath());
        } else {
            reportInputs.forEach(f -> args.add(f.getPath()));
        }
        args.addAll(List.of("--out", reportDirectory.getPath()));
        return args;
    }
}
