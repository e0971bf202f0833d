package org.grokcap.data.profiles;

import java.util.List;

/**
 * Birth dates: 200 years (1900–2099) × 12 months × 28 days = 67,200 equally likely dates, drawn as
 * one uniform index. Every month has 28 days here on purpose: the original drew a real calendar day
 * and clamped days above 28 to 28, which makes the 28th about four times as likely as other days; a
 * uniform index makes the date's entropy exactly log2 67,200.
 */
public final class BirthDates {
    public static final int FIRST_YEAR = 1900;
    public static final int YEARS = 200;
    public static final int MONTHS = 12;
    public static final int DAYS = 28;
    /** 67,200. */
    public static final int COUNT = YEARS * MONTHS * DAYS;

    public static final List<String> MONTH_NAMES = List.of("January", "February", "March", "April", "May", "June",
            "July", "August", "September", "October", "November", "December");

    private BirthDates() {}

    public static int year(int date) {
        return FIRST_YEAR + date / (MONTHS * DAYS);
    }

    /** 1..12. */
    public static int month(int date) {
        return date / DAYS % MONTHS + 1;
    }

    /** 1..28. */
    public static int day(int date) {
        return date % DAYS + 1;
    }

    /** ISO form, e.g. 1957-03-21. */
    public static String iso(int date) {
        return String.format("%04d-%02d-%02d", year(date), month(date), day(date));
    }
}
