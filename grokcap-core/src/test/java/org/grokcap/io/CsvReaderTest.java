package org.grokcap.io;

import org.grokcap.util.BadInputException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CsvReaderTest {

    @Test
    void readsRfc4180Quoting() {
        String text = "\uFEFFa,b,c\r\n"
                + "plain,\"with, comma\",\"say \"\"hi\"\"\"\r\n"
                + "\n"
                + "\"two\nlines\",,\"\"\n"
                + "last,x,y";
        List<CsvReader.Row> rows = CsvReader.parse(text, "f.csv");
        assertEquals(4, rows.size());
        assertEquals(new CsvReader.Row(1, List.of("a", "b", "c")), rows.get(0));
        assertEquals(new CsvReader.Row(2, List.of("plain", "with, comma", "say \"hi\"")), rows.get(1));
        assertEquals(new CsvReader.Row(4, List.of("two\nlines", "", "")), rows.get(2), "blank line 3 skipped");
        assertEquals(new CsvReader.Row(6, List.of("last", "x", "y")), rows.get(3), "line count includes the quoted newline");
    }

    @Test
    void aQuotedEmptyFieldIsARecordNotABlankLine() {
        assertEquals(List.of(new CsvReader.Row(1, List.of(""))), CsvReader.parse("\"\"\n", "f.csv"));
    }

    @Test
    void malformedQuotingNamesFileLineAndProblem() {
        assertEquals("f.csv:2: a quote inside unquoted field 2 (quote the whole field and double the quotes inside it)",
                assertThrows(BadInputException.class, () -> CsvReader.parse("a,b\nx,y\"z\n", "f.csv")).getMessage());
        assertEquals("f.csv:3: text after the closing quote of field 1 (a quote inside a quoted field must be doubled: \"\")",
                assertThrows(BadInputException.class, () -> CsvReader.parse("a\nb\n\"x\"y\n", "f.csv")).getMessage());
        assertEquals("f.csv:2: the quoted field 2 opened here is never closed",
                assertThrows(BadInputException.class, () -> CsvReader.parse("a,b\nx,\"open\nmore\n", "f.csv"))
                        .getMessage());
    }
}
