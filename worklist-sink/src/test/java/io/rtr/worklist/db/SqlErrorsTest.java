package io.rtr.worklist.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.net.ConnectException;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SqlErrorsTest {

    @ParameterizedTest(name = "SQLState {0} is {1}")
    @CsvSource({
        "08001, RETRIABLE",   // cannot connect
        "08006, RETRIABLE",   // connection failure mid-session
        "40001, RETRIABLE",   // serialization failure
        "40P01, RETRIABLE",   // deadlock
        "57P01, RETRIABLE",   // admin shutdown (pg_terminate_backend, restart)
        "57P03, RETRIABLE",   // the database is starting up
        "53300, RETRIABLE",   // too many connections
        "55P03, RETRIABLE",   // lock not available
        "23505, BAD_RECORD",  // unique violation
        "23514, BAD_RECORD",  // check violation
        "23502, BAD_RECORD",  // not null violation
        "22001, BAD_RECORD",  // value too long
        "22P02, BAD_RECORD",  // invalid text representation
        "42P01, FATAL",       // undefined table: migrations missing
        "42501, FATAL",       // insufficient privilege
        "28P01, FATAL",       // wrong password
    })
    void classifiesBySqlState(String state, SqlFailure expected) {
        assertThat(SqlErrors.classify(new SQLException("boom", state))).isEqualTo(expected);
    }

    @Test
    void looksThroughABatchUpdateExceptionToTheRealReason() {
        BatchUpdateException batch = new BatchUpdateException("Batch entry 3 was aborted", null, 0, new int[0]);
        batch.setNextException(new SQLException("violates check constraint", "23514"));

        assertThat(SqlErrors.classify(batch)).isEqualTo(SqlFailure.BAD_RECORD);
        assertThat(SqlErrors.sqlState(batch)).isEqualTo("23514");
    }

    @Test
    void describesABatchFailureByTheServerErrorNotTheStatement() {
        BatchUpdateException batch = new BatchUpdateException("Batch entry 0 INSERT INTO worklist_entry ... was aborted",
                null, 0, new int[0]);
        batch.setNextException(new SQLException("ERROR: violates check constraint", "23514"));

        assertThat(SqlErrors.describe(batch)).isEqualTo("SQLState 23514: ERROR: violates check constraint");
    }

    @Test
    void retriesTransientAndIoFailuresThatCarryNoSqlState() {
        assertThat(SqlErrors.classify(new SQLTransientConnectionException("pool timeout")))
                .isEqualTo(SqlFailure.RETRIABLE);
        assertThat(SqlErrors.classify(new SQLException("I/O error", null, new EOFException())))
                .isEqualTo(SqlFailure.RETRIABLE);
        assertThat(SqlErrors.classify(new SQLException("refused", null, new ConnectException("refused"))))
                .isEqualTo(SqlFailure.RETRIABLE);
    }

    @Test
    void treatsAnUnexplainedFailureAsFatal() {
        assertThat(SqlErrors.classify(new SQLException("something odd"))).isEqualTo(SqlFailure.FATAL);
    }
}
