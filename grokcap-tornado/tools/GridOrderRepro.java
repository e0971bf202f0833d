import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * How TornadoVM sizes the loops of a kernel with two {@code @Parallel} loops on an explicit
 * two-dimensional grid: every int parameter that bounds a parallel loop is replaced, in every use, by
 * {@code _kernel_context[k]} (the grid's size in dimension k), k counting those parameters in signature
 * order, while the loops take their dimensions by nesting. Each kernel below writes the sizes it sees.
 * With the bounds in the signature in nesting order the sizes are right; in the other order they come
 * out swapped (on a CPU OpenCL device; where TornadoVM interchanges the loops, the other way round).
 *
 * <pre>
 * javac -g -cp $TORNADOVM_HOME/share/java/tornado/tornado-api-*.jar -d /tmp/repro GridOrderRepro.java
 * java @$TORNADOVM_HOME/tornado-argfile -cp /tmp/repro -Dtornado.printKernel=True -Dtornado.threadInfo=True GridOrderRepro
 * </pre>
 * ({@code -g}: TornadoVM needs the local variable table.)
 */
public class GridOrderRepro {
    /** a (N,M) = N·100000 + M·1000 + index; the bounds in the signature in nesting order. */
    public static void inOrder(FloatArray a, int N, int M) {
        for (@Parallel int r = 0; r < N; r++) {
            for (@Parallel int c = 0; c < M; c++) {
                a.set(r * M + c, N * 100000 + M * 1000 + r * M + c);
            }
        }
    }

    /** The same with the signature naming M first. */
    public static void otherOrder(FloatArray a, int M, int N) {
        for (@Parallel int r = 0; r < N; r++) {
            for (@Parallel int c = 0; c < M; c++) {
                a.set(r * M + c, N * 100000 + M * 1000 + r * M + c);
            }
        }
    }

    public static void main(String[] args) {
        int N = 12;
        int M = 10;
        for (boolean swapped : new boolean[] {false, true}) {
            FloatArray a = new FloatArray(N * M);
            a.init(-1f);
            String name = swapped ? "otherOrder" : "inOrder";
            TaskGraph g = new TaskGraph("g").transferToDevice(DataTransferMode.EVERY_EXECUTION, a);
            if (swapped) {
                g.task(name, GridOrderRepro::otherOrder, a, M, N);
            } else {
                g.task(name, GridOrderRepro::inOrder, a, N, M);
            }
            g.transferToHost(DataTransferMode.EVERY_EXECUTION, a);
            GridScheduler grids = new GridScheduler();
            WorkerGrid w = new WorkerGrid2D(N, M); // the outer loop's size first: dimension 0 on a CPU device
            w.setLocalWork(2, 2, 1);
            grids.addWorkerGrid("g." + name, w);
            try (TornadoExecutionPlan plan = new TornadoExecutionPlan(g.snapshot())) {
                plan.withGridScheduler(grids).execute();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            float v = a.get(0);
            int seenN = (int) (v / 100000);
            int seenM = (int) ((v - seenN * 100000) / 1000);
            System.out.println(name + ": N = " + N + ", M = " + M + "; the kernel saw N = " + seenN + ", M = " + seenM);
        }
    }
}
