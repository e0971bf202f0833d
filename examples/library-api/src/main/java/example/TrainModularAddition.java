package example;

import org.grokcap.Grokcap;
import org.grokcap.run.RunOptions;
import org.grokcap.run.RunResult;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;

import java.nio.file.Path;

/**
 * Trains the modular-addition config for a few hundred epochs through the library API and prints
 * each 100th metrics row: the model memorises the training split while test loss climbs.
 *
 * <p>Usage: TrainModularAddition CONFIG [STEPS]
 */
public final class TrainModularAddition {
    public static void main(String[] args) {
        ExperimentSpec spec = ConfigLoader.load(Path.of(args.length > 0 ? args[0] : "../../conf/modular-addition"));
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        spec = spec.withTrain(spec.train().withSteps(steps));
        RunOptions options = RunOptions.defaults().withListener((row, total) -> {
            if (row.get("step").intValue() % 100 == 0) {
                System.out.println(row);
            }
        });
        RunResult result = Grokcap.train(spec, options);
        System.out.println("final: " + result.finalMetrics());
        System.out.println("run directory: " + result.runDir());
    }
}
