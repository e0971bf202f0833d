package org.grokcap;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The packages of grokcap-core in layers, each using only the layers below it, so the house can be read
 * from the bottom up and a change low down never needs one higher up:
 *
 * <pre>
 *   org.grokcap (the Grokcap facade), cli
 *   studies: analysis, capacity, report, sweep, bench
 *   run       (a run directory: TrainingSession writes it, FinishedRun reads it)
 *   train
 *   data      (the tasks and their TaskSpec)
 *   model
 *   backend (and backend.cpu)
 *   kernels
 *   config, io, util
 * </pre>
 *
 * A package's subpackages (data.modular, backend.cpu) belong to its layer. No two packages, subpackages
 * included, may depend on each other, directly or round a longer circle.
 */
class LayersTest {
    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.grokcap");

    @Test
    void eachLayerUsesOnlyTheLayersBelowIt() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Facade").definedBy("org.grokcap")
                .layer("Cli").definedBy("org.grokcap.cli..")
                .layer("Studies").definedBy("org.grokcap.analysis..", "org.grokcap.capacity..",
                        "org.grokcap.report..", "org.grokcap.sweep..", "org.grokcap.bench..")
                .layer("Run").definedBy("org.grokcap.run..")
                .layer("Train").definedBy("org.grokcap.train..")
                .layer("Data").definedBy("org.grokcap.data..")
                .layer("Model").definedBy("org.grokcap.model..")
                .layer("Backend").definedBy("org.grokcap.backend..")
                .layer("Kernels").definedBy("org.grokcap.kernels..")
                .layer("Config").definedBy("org.grokcap.config..")
                .layer("Io").definedBy("org.grokcap.io..")
                .layer("Util").definedBy("org.grokcap.util..")
                .whereLayer("Facade").mayOnlyBeAccessedByLayers("Cli")
                .whereLayer("Cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("Studies").mayOnlyBeAccessedByLayers("Facade", "Cli")
                .whereLayer("Run").mayOnlyBeAccessedByLayers("Facade", "Cli", "Studies")
                .whereLayer("Train").mayOnlyBeAccessedByLayers("Facade", "Cli", "Studies", "Run")
                .whereLayer("Data").mayOnlyBeAccessedByLayers("Facade", "Cli", "Studies", "Run", "Train")
                .whereLayer("Model").mayOnlyBeAccessedByLayers("Facade", "Cli", "Studies", "Run", "Train", "Data")
                .whereLayer("Backend").mayOnlyBeAccessedByLayers("Facade", "Cli", "Studies", "Run", "Train", "Data",
                        "Model")
                .whereLayer("Kernels").mayOnlyBeAccessedByLayers("Facade", "Cli", "Studies", "Run", "Train", "Data",
                        "Model", "Backend")
                .whereLayer("Config").mayOnlyBeAccessedByLayers("Facade", "Cli", "Studies", "Run", "Train", "Data",
                        "Model", "Backend", "Kernels")
                .whereLayer("Io").mayOnlyBeAccessedByLayers("Facade", "Cli", "Studies", "Run", "Train", "Data",
                        "Model", "Backend", "Kernels", "Config")
                .whereLayer("Util").mayOnlyBeAccessedByLayers("Facade", "Cli", "Studies", "Run", "Train", "Data",
                        "Model", "Backend", "Kernels", "Config", "Io")
                .check(CORE);
    }

    @Test
    void noTwoPackagesDependOnEachOther() {
        slices().matching("org.grokcap.(**)").should().beFreeOfCycles().check(CORE);
    }
}
