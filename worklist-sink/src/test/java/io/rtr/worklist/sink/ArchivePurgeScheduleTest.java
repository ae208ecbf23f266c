package io.rtr.worklist.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.worklist.db.ArchivePurger;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ArchivePurgeScheduleTest {

    @Test
    void aFailedRunIsLoggedNotThrownSoLaterRunsStillHappen() {
        Properties properties = new Properties();
        properties.setProperty("user", "rtr");
        properties.setProperty("connectTimeout", "1");
        // Port 1 on the loopback refuses at once: the database is down.
        ArchivePurger purger = new ArchivePurger("jdbc:postgresql://127.0.0.1:1/rtr", properties);
        ArchivePurgeSchedule schedule = new ArchivePurgeSchedule(purger, Duration.ofDays(30), 1000,
                Duration.ofHours(1));
        try {
            assertThat(schedule.runOnce()).isNull();
            assertThat(schedule.runOnce()).isNull();
        } finally {
            schedule.close();
        }
    }
}
