package org.grokcap.backend.cpu;

import org.grokcap.util.BadInputException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses the matmul of the cpu backend: {@code -Dgrokcap.gemm}, else {@code GROKCAP_GEMM}, else
 * "auto". "vector" is grokcap's own Vector API GEMM (bit-identical to the scalar definition, on every
 * machine); "blas" the platform's BLAS through FFM; "scalar" the plain-Java kernel; "auto" takes the
 * platform BLAS when one is installed and the Vector API GEMM otherwise.
 */
public final class GemmProviders {
    public static final String PROPERTY = "grokcap.gemm";
    public static final String ENV = "GROKCAP_GEMM";

    private GemmProviders() {}

    /** The provider asked for, or the best one; a request that cannot be met is bad input. */
    public static GemmProvider choose() {
        String asked = System.getProperty(PROPERTY, System.getenv(ENV));
        return choose(asked == null || asked.isBlank() ? "auto" : asked.trim());
    }

    public static GemmProvider choose(String asked) {
        return switch (asked) {
            case "auto" -> NativeBlas.find().<GemmProvider>map(BlasGemm::new).orElseGet(Gemm::best);
            case "blas" -> new BlasGemm(NativeBlas.find().orElseThrow(() -> new BadInputException(
                    "the 'blas' matmul was asked for (" + PROPERTY + "/" + ENV + "), but " + NativeBlas.whyAbsent())));
            case "vector" -> {
                if (!CpuDevice.vectorApiPresent()) {
                    throw new BadInputException("the 'vector' matmul was asked for, but the Vector API is absent "
                            + "(start Java with --add-modules jdk.incubator.vector)");
                }
                yield new Gemm(VectorKernels.gemmKernel());
            }
            case "scalar" -> new Gemm(new Gemm.ScalarKernel());
            default -> throw new BadInputException("unknown matmul '" + asked + "' (" + PROPERTY + "/" + ENV
                    + "); have auto, blas, vector, scalar");
        };
    }

    /** Whether a platform BLAS was found and loads. */
    public static boolean blasAvailable() {
        return NativeBlas.find().isPresent();
    }

    /** Every provider this JVM can run, by name, with what it is; absent ones say why. For {@code info}. */
    public static Map<String, String> available() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("blas", NativeBlas.find().map(b -> b.name() + " through FFM (" + b.library() + ")")
                .orElse("UNAVAILABLE: " + NativeBlas.whyAbsent()));
        m.put("vector", CpuDevice.vectorApiPresent() ? VectorKernels.gemmKernel().describe()
                : "UNAVAILABLE: Vector API absent (--add-modules jdk.incubator.vector)");
        m.put("scalar", new Gemm.ScalarKernel().describe());
        return m;
    }

    /**
     * The platform's sgemm run the way its authors meant (one call per product, on the library's own
     * {@code threads} threads), where one is installed: the yardstick of {@code bench matmul}.
     */
    public static java.util.Optional<GemmProvider> platformReference(int threads) {
        return NativeBlas.find().map(b -> new BlasGemm.Whole(b, threads));
    }

    /** The providers that can run here, best first: for benchmarks that compare them. */
    public static List<GemmProvider> all() {
        List<GemmProvider> list = new ArrayList<>();
        NativeBlas.find().ifPresent(b -> list.add(new BlasGemm(b)));
        if (CpuDevice.vectorApiPresent()) {
            list.add(new Gemm(VectorKernels.gemmKernel()));
        }
        return list;
    }
}
