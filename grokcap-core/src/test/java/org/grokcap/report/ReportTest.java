package org.grokcap.report;

import org.grokcap.util.BadInputException;
import org.grokcap.run.RunOptions;
import org.grokcap.sweep.Shard;
import org.grokcap.sweep.Sweep;
import org.grokcap.sweep.SweepRun;
import org.grokcap.sweep.SweepRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportTest {
    @Test
    void mergesTheRunsOfEveryShardIntoOnePage(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("base.json"), """
                {"name":"tiny","task":{"type":"modular","p":7,"trainFraction":0.5},
                 "model":{"dModel":16,"heads":2,"dMlp":32},"train":{"steps":3}}""");
        Files.writeString(dir.resolve("s.yaml"), "base: base.json\ngrid:\n  model.dModel: [8, 16]\n");
        Sweep s = Sweep.load(dir.resolve("s.yaml"));
        // Two machines, one shard each, their outputs copied side by side.
        for (int i = 0; i < 2; i++) {
            SweepRunner.run(s, new Shard(i, 2), dir.resolve("machine" + i), new RunOptions(null, null, 1, null), null,
                    new PrintStream(OutputStream.nullOutputStream()));
        }
        Files.createDirectories(dir.resolve("machine0/.interrupted/old"));
        Files.writeString(dir.resolve("machine0/.interrupted/old/run.json"), "{}");
        Path out = dir.resolve("site");
        Map<String, Object> json = Report.write(List.of(dir.resolve("machine0"), dir.resolve("machine1")), out);
        assertEquals(2, json.get("runs"), "hidden folders are left out");
        assertEquals(List.of("accuracy-train", "loss-train", "accuracy-test", "loss-test", "final-accuracy"), json.get("charts"));
        String html = Files.readString(out.resolve("index.html"));
        for (SweepRun r : s.runs()) {
            assertTrue(html.contains("<td class=\"l\">" + r.id() + "</td>"), r.id());
            assertTrue(Files.size(out.resolve("runs").resolve(r.id()).resolve("accuracy.svg")) > 0);
        }
        assertTrue(html.contains("<th>model.dModel</th>"), "the varied field is a column");
        assertTrue(html.contains("<td>8</td>") && html.contains("<td>16</td>"));
        for (String c : List.of("accuracy-test", "loss-test", "final-accuracy")) {
            assertTrue(Files.size(out.resolve(c + ".png")) > 0 && Files.size(out.resolve(c + ".svg")) > 0, c);
            assertTrue(html.contains("src=\"" + c + ".svg\""), c);
        }
        List<Report.Run> runs = Report.find(List.of(dir.resolve("machine0"), dir.resolve("machine1")), out);
        assertEquals(s.runs().stream().map(SweepRun::id).sorted().toList(),
                Report.acrossRuns(runs, "test", "accuracy").getSeriesCollection().stream().map(x -> x.getName()).sorted().toList(),
                "a line per run");
        assertEquals(3, Report.acrossRuns(runs, "test", "loss").getSeriesCollection().iterator().next().getXData().length,
                "a point per evaluation, steps 0 to 2");
        assertFalse(html.contains("interrupted"), "the hidden run is nowhere on the page");
    }

    @Test
    void aFolderWithoutRunsIsBadInput(@TempDir Path dir) {
        String m = assertThrows(BadInputException.class, () -> Report.write(List.of(dir), dir.resolve("site"))).getMessage();
        assertTrue(m.startsWith("no run directories (folders with a run.json) under"), m);
        m = assertThrows(BadInputException.class, () -> Report.write(List.of(dir.resolve("none")), dir.resolve("site"))).getMessage();
        assertEquals("not a folder: " + dir.resolve("none"), m);
    }
}
