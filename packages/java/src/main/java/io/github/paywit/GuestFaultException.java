package io.github.paywit;

/**
 * The component did what a well-behaved component never does: a trap, or an answer outside its
 * memory or not of its WIT type. Its instance is dropped; the next call gets a fresh one.
 */
public final class GuestFaultException extends PaywitException {
    private static final long serialVersionUID = 1L;

    /**
     * A guest fault.
     *
     * @param reason what the component did
     * @param cause the runtime's exception, or null
     */
    GuestFaultException(String reason, Throwable cause) {
        super("guest-fault", "paywit: the component " + reason + " (a guest fault: its instance is replaced)", cause);
    }
}
