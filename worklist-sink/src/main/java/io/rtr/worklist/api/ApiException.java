package io.rtr.worklist.api;

/**
 * A request the API answers with a 4xx (or 503) and a JSON body {@code {"error": code, "message": ...}};
 * thrown anywhere below a handler and turned into the response in one place.
 */
final class ApiException extends RuntimeException {

    private final int status;
    private final String code;

    ApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }

    static ApiException notFound(String code, String message) {
        return new ApiException(404, code, message);
    }

    static ApiException conflict(String code, String message) {
        return new ApiException(409, code, message);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    ApiError body() {
        return new ApiError(code, getMessage());
    }
}
