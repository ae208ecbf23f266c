package io.rtr.inference.model;

/**
 * The model on disk does not match its descriptor (signature, tensor name, shape or dtype), or the
 * descriptor itself is invalid. Permanent: retrying cannot help, the operator must fix a setting.
 */
public final class ModelContractException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ModelContractException(String message) {
        super(message);
    }

    public ModelContractException(String message, Throwable cause) {
        super(message, cause);
    }
}
