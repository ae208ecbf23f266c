package io.rtr.standalone;

/** A command line the CLI cannot act on; its message names the offending word. Exit code 2. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
