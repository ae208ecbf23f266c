package io.rtr.worklist.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.WorklistStatus;
import io.rtr.worklist.TestEntries;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorklistRowTest {

    @Test
    void bindsOneValuePerColumnInColumnOrder() {
        WorklistEntry entry = TestEntries.entry("rad-a", PriorityClass.SUSPICIOUS_IN_CLINIC, 0.87)
                .setStatus(WorklistStatus.CLAIMED).setClaimedBy("rad-a")
                .setReasons(List.of("score 0.91 >= 0.62", "patient in clinic")).build();

        List<Object> values = WorklistRow.of(entry).values();

        assertThat(values).hasSameSizeAs(WorklistSql.UPSERT_COLUMNS);
        assertThat(values.get(col("study_instance_uid"))).isEqualTo(entry.getStudyInstanceUid());
        assertThat(values.get(col("priority_class"))).isEqualTo("SUSPICIOUS_IN_CLINIC");
        assertThat(values.get(col("status"))).isEqualTo("CLAIMED");
        assertThat(values.get(col("claimed_by"))).isEqualTo("rad-a");
        assertThat(values.get(col("priority_score"))).isEqualTo(0.87);
        assertThat(values.get(col("version"))).isEqualTo(1L);
        assertThat((String[]) values.get(col("reasons")))
                .containsExactly("score 0.91 >= 0.62", "patient in clinic");
        assertThat(values.get(col("waiting_since")))
                .isEqualTo(OffsetDateTime.of(2026, 11, 22, 8, 0, 0, 0, ZoneOffset.UTC));
    }

    @Test
    void keepsAbsentOptionalFieldsNull() {
        WorklistEntry unscored = TestEntries.entry("rad-a", PriorityClass.ROUTINE, 0.0)
                .setAccessionNumber(null).setStudyScore(null).setModelName(null).setModelVersion(null)
                .setClinicId(null).build();

        List<Object> values = WorklistRow.of(unscored).values();

        assertThat(values.get(col("accession_number"))).isNull();
        assertThat(values.get(col("study_score"))).isNull();
        assertThat(values.get(col("model_version"))).isNull();
        assertThat(values.get(col("clinic_id"))).isNull();
    }

    @Test
    void upsertOnlyReplacesAnOlderRowAndNeverItsKey() {
        String sql = WorklistSql.UPSERT;

        assertThat(sql.chars().filter(c -> c == '?').count()).isEqualTo(WorklistSql.UPSERT_COLUMNS.size());
        assertThat(sql).contains("ON CONFLICT (study_instance_uid) DO UPDATE SET")
                .endsWith("WHERE worklist_entry.version < EXCLUDED.version")
                .contains("archived_at = NULL")
                .doesNotContain("study_instance_uid = EXCLUDED")
                .doesNotContain("priority_rank");
        for (String column : WorklistSql.UPSERT_COLUMNS.subList(1, WorklistSql.UPSERT_COLUMNS.size())) {
            if (List.of("status", "claimed_by", "last_action_id").contains(column)) {
                // The API's status stands until an event has folded the row's last reading action.
                assertThat(sql).contains(column + " = CASE WHEN worklist_entry.last_action_id IS NULL"
                        + " OR worklist_entry.last_action_id = EXCLUDED.last_action_id THEN EXCLUDED." + column
                        + " ELSE worklist_entry." + column + " END");
            } else {
                assertThat(sql).contains(column + " = EXCLUDED." + column);
            }
        }
    }

    @Test
    void archivingIsIdempotent() {
        assertThat(WorklistSql.ARCHIVE).contains("archived_at IS NULL").contains("ANY (?)");
    }

    private static int col(String name) {
        return WorklistSql.UPSERT_COLUMNS.indexOf(name);
    }
}
