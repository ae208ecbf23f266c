package io.rtr.schemas.registry;

/**
 * A schema registry call that failed, with the HTTP status and Confluent error code when the
 * registry answered, classified as retriable or permanent.
 */
public class SchemaRegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** {@link #httpStatus()} when no HTTP response was received. */
    public static final int NO_HTTP_STATUS = -1;
    /** {@link #errorCode()} when the response carried no Confluent error code. */
    public static final int NO_ERROR_CODE = -1;

    /** Confluent error code: the subject does not exist. */
    public static final int SUBJECT_NOT_FOUND = 40401;
    /** Confluent error code: the version does not exist. */
    public static final int VERSION_NOT_FOUND = 40402;
    /** Confluent error code: the schema (id, or schema under a subject) does not exist. */
    public static final int SCHEMA_NOT_FOUND = 40403;
    /** Confluent error code: the schema is incompatible with the subject's earlier versions. */
    public static final int INCOMPATIBLE_SCHEMA = 409;
    /** Confluent error code: the schema text is not a valid schema. */
    public static final int INVALID_SCHEMA = 42201;

    private final int httpStatus;
    private final int errorCode;
    private final boolean retriable;

    /** A failure with an explicit classification. */
    public SchemaRegistryException(String message, int httpStatus, int errorCode, boolean retriable,
                                   Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
        this.retriable = retriable;
    }

    /** A failure answered by the registry, classified by {@link #isRetriableStatus(int)}. */
    public static SchemaRegistryException fromResponse(String message, int httpStatus, int errorCode) {
        return new SchemaRegistryException(message, httpStatus, errorCode,
                isRetriableStatus(httpStatus), null);
    }

    /**
     * Whether an HTTP status is worth retrying: server errors, request timeout and throttling
     * are; client errors (bad schema, not found, incompatible) will fail the same way again.
     */
    public static boolean isRetriableStatus(int httpStatus) {
        return httpStatus >= 500 || httpStatus == 408 || httpStatus == 429;
    }

    /** HTTP status of the registry's answer, or {@link #NO_HTTP_STATUS}. */
    public int httpStatus() {
        return httpStatus;
    }

    /** Confluent {@code error_code} of the answer, or {@link #NO_ERROR_CODE}. */
    public int errorCode() {
        return errorCode;
    }

    /** True when the same call may succeed later (registry down, overloaded, 5xx). */
    public boolean isRetriable() {
        return retriable;
    }

    /**
     * Whether {@code failure} or one of its causes is a registry failure worth retrying: what a
     * serde wraps as a SerializationException when the registry is down, which must stop or retry
     * the caller rather than count the record as bad.
     */
    public static boolean retriableCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SchemaRegistryException registry) {
                return registry.isRetriable();
            }
        }
        return false;
    }

    /** True when the registry said the subject, version or schema does not exist. */
    public boolean isNotFound() {
        return httpStatus == 404 || errorCode == SUBJECT_NOT_FOUND || errorCode == VERSION_NOT_FOUND
                || errorCode == SCHEMA_NOT_FOUND;
    }
}
