package io.rtr.worklist.db;

/** What a failed database call means for the records it carried, and so what the caller does next. */
public enum SqlFailure {

    /** The database is unreachable, restarting or busy: the same write may succeed later, so retry it. */
    RETRIABLE,

    /** The data broke a constraint or a type (SQLState 22xxx, 23xxx): it will never be written, dead-letter it. */
    BAD_RECORD,

    /** Anything else, e.g. a missing table or no privilege: no record can be written until an operator acts. */
    FATAL
}
