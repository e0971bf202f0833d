package org.grokcap.io;

import org.grokcap.run.RunDirectory;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** CrashPoints spells the run directory's names itself (io sits below the run layer): they must stay RunDirectory's. */
class CrashPointsNamesTest {
    @Test
    void kindsFollowTheRunDirectorysNames() {
        Path run = Path.of("runs", "r");
        assertEquals("checkpoint", CrashPoints.kind(run.resolve(RunDirectory.CHECKPOINTS).resolve("step-1.safetensors")));
        assertEquals("plots", CrashPoints.kind(run.resolve(RunDirectory.PLOTS).resolve("loss.png")));
        assertEquals("weights", CrashPoints.kind(run.resolve(RunDirectory.WEIGHTS)));
        assertEquals("record", CrashPoints.kind(run.resolve(RunDirectory.RUN_JSON)));
    }
}
