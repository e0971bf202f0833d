package org.grokcap.backend.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The platform's optimized single-precision GEMM ({@code cblas_sgemm}), called through the JDK's
 * Foreign Function &amp; Memory API on Java arrays in place: the downcall is "critical" with heap access
 * allowed, so no float is copied and the garbage collector waits for the call (milliseconds at most).
 *
 * <p>Looked for, in order: {@code -Dgrokcap.blas=PATH} (or {@code GROKCAP_BLAS}), OpenBLAS (Debian's
 * {@code libopenblas0-pthread}, {@code -openmp} or {@code -serial}, or any {@code libopenblas.so.0} the
 * dynamic loader finds), BLIS, MKL, and Apple's Accelerate. A library is used only if it exports
 * {@code cblas_sgemm}. OpenBLAS is told to run each call on the calling thread, because grokcap splits a
 * matmul across its own worker threads (see {@link BlasGemm}): one pool of threads on the cores, and a
 * split that grokcap controls.
 */
final class NativeBlas {
    static final int ROW_MAJOR = 101;
    static final int NO_TRANS = 111;
    static final int TRANS = 112;

    private static String whyAbsent; // set by load(), before INSTANCE
    private static final Optional<NativeBlas> INSTANCE = load();

    private final String library;
    private final String name;
    private final MethodHandle sgemm;
    private final MethodHandle setThreads; // null where the library has no such call

    private NativeBlas(String library, String name, MethodHandle sgemm, MethodHandle setThreads) {
        this.library = library;
        this.name = name;
        this.sgemm = sgemm;
        this.setThreads = setThreads;
    }

    /**
     * How many threads the library itself starts per call (1 unless a benchmark changes it). Returns
     * false where the library cannot be told.
     */
    boolean setThreads(int threads) {
        if (setThreads == null) {
            return false;
        }
        try {
            setThreads.invokeExact(threads);
            return true;
        } catch (Throwable t) {
            throw new IllegalStateException("setting the BLAS's threads failed: " + t, t);
        }
    }

    /** The platform BLAS, if one was found and loads; see {@link #whyAbsent()} otherwise. */
    static Optional<NativeBlas> find() {
        return INSTANCE;
    }

    /** Why no platform BLAS is used (null when one is). */
    static String whyAbsent() {
        return whyAbsent;
    }

    /** The library file that was loaded. */
    String library() {
        return library;
    }

    /** e.g. "OpenBLAS 0.3.21 (Cooperlake kernels)" or "BLIS". */
    String name() {
        return name;
    }

    /**
     * C (m,n) = alpha · op(A) · op(B) + beta · C, all row-major, on float arrays at element offsets.
     * op(A) is (m,k): A itself (lda ≥ k) or the transpose of a (k,m) A (lda ≥ m); likewise B.
     */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
               float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        sgemm(transA, transB, m, n, k, alpha, MemorySegment.ofArray(a).asSlice(4L * aOff), lda,
                MemorySegment.ofArray(b).asSlice(4L * bOff), ldb, beta, MemorySegment.ofArray(c).asSlice(4L * cOff), ldc);
    }

    /** {@link #sgemm(boolean, boolean, int, int, int, float, float[], int, int, float[], int, int, float, float[], int, int)} on segments (heap or native). */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, MemorySegment a, int lda,
               MemorySegment b, int ldb, float beta, MemorySegment c, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        try {
            sgemm.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha,
                    a, lda, b, ldb, beta, c, ldc);
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm in " + library + " failed: " + t, t);
        }
    }

    private static Optional<NativeBlas> load() {
        List<String> tried = new ArrayList<>();
        for (String candidate : candidates()) {
            try {
                Optional<NativeBlas> blas = open(candidate);
                if (blas.isPresent()) {
                    return blas;
                }
                tried.add(candidate + " (no cblas_sgemm)");
            } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
                tried.add(candidate + " (not loadable)");
            } catch (IllegalCallerException e) {
                whyAbsent = "native access is not enabled for grokcap (start Java with --enable-native-access=ALL-UNNAMED)";
                return Optional.empty();
            }
        }
        whyAbsent = "no platform BLAS found (tried " + String.join(", ", tried)
                + "); on Debian/Ubuntu: apt-get install libopenblas0-pthread";
        return Optional.empty();
    }

    /** Library names and paths to try, the user's choice first. */
    private static List<String> candidates() {
        List<String> c = new ArrayList<>();
        String chosen = System.getProperty("grokcap.blas", System.getenv("GROKCAP_BLAS"));
        if (chosen != null && !chosen.isBlank()) {
            c.add(chosen);
            return c;
        }
        for (String dir : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib")) {
            for (String variant : List.of("openblas-pthread", "openblas-openmp", "openblas-serial")) {
                Path p = Path.of(dir, variant, "libopenblas.so.0");
                if (Files.isRegularFile(p)) {
                    c.add(p.toString());
                }
            }
        }
        c.add("libopenblas.so.0");
        c.add("libopenblas.so");
        c.add("libblis.so.4");
        c.add("libmkl_rt.so.2");
        c.add("libmkl_rt.so");
        c.add("/System/Library/Frameworks/Accelerate.framework/Accelerate");
        return c;
    }

    private static Optional<NativeBlas> open(String library) {
        SymbolLookup lookup = library.contains("/")
                ? SymbolLookup.libraryLookup(Path.of(library), Arena.global())
                : SymbolLookup.libraryLookup(library, Arena.global());
        Optional<MemorySegment> sgemm = lookup.find("cblas_sgemm");
        if (sgemm.isEmpty()) {
            return Optional.empty();
        }
        Linker linker = Linker.nativeLinker();
        MethodHandle handle = linker.downcallHandle(sgemm.get(),
                FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_FLOAT,
                        ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT),
                Linker.Option.critical(true));
        String name = library.contains("blis") ? "BLIS" : library.contains("mkl") ? "MKL"
                : library.contains("Accelerate") ? "Accelerate" : "BLAS";
        Optional<MemorySegment> threads = lookup.find("openblas_set_num_threads");
        if (threads.isPresent()) {
            name = "OpenBLAS" + openBlasDetail(linker, lookup);
        } else {
            threads = lookup.find("bli_thread_set_num_threads");
            if (threads.isEmpty()) {
                threads = lookup.find("MKL_Set_Num_Threads");
            }
        }
        MethodHandle setThreads = threads.map(t -> linker.downcallHandle(t, FunctionDescriptor.ofVoid(JAVA_INT)))
                .orElse(null);
        NativeBlas blas = new NativeBlas(library, name, handle, setThreads);
        blas.setThreads(1); // one thread per call: grokcap's own workers split each matmul
        return Optional.of(blas);
    }

    /** " 0.3.21 (Cooperlake kernels)": the version and the kernels OpenBLAS chose for this CPU. */
    private static String openBlasDetail(Linker linker, SymbolLookup lookup) {
        String version = "";
        String core = "";
        try {
            Optional<MemorySegment> config = lookup.find("openblas_get_config");
            if (config.isPresent()) {
                MemorySegment s = (MemorySegment) linker.downcallHandle(config.get(), FunctionDescriptor.of(ADDRESS))
                        .invokeExact();
                String text = s.reinterpret(256).getString(0); // "OpenBLAS 0.3.21 DYNAMIC_ARCH ..."
                String[] words = text.split(" ");
                if (words.length > 1 && words[0].equals("OpenBLAS")) {
                    version = " " + words[1];
                }
            }
            Optional<MemorySegment> corename = lookup.find("openblas_get_corename");
            if (corename.isPresent()) {
                MemorySegment s = (MemorySegment) linker.downcallHandle(corename.get(), FunctionDescriptor.of(ADDRESS))
                        .invokeExact();
                core = " (" + s.reinterpret(64).getString(0).trim() + " kernels)";
            }
        } catch (Throwable t) {
            // the name is decoration; the GEMM works without it
        }
        return version + core;
    }
}
