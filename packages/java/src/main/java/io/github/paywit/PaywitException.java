package io.github.paywit;

/**
 * Every exception paywit throws: the component's typed refusals (one final class per WIT error
 * case, such as {@link Webhooks.VerifyNoMatchingSignatureException}, grouped under a sealed class
 * per WIT error type, such as {@link Webhooks.VerifyException}), {@link InvalidArgumentException}
 * and {@link GuestFaultException}.
 *
 * <p>Unchecked: every paywit method can throw an {@code InvalidArgumentException} or a
 * {@code GuestFaultException}, and most of the WIT's functions cannot refuse at all, so a checked
 * exception would force a {@code try} around calls that never fail and into every lambda. Catch the
 * family you handle ({@code catch (Webhooks.VerifyException e)}) or switch on {@link #code()}.
 *
 * <p>A message never carries a secret: the WIT's error payloads hold none, and an invalid
 * argument is named by its path, never shown.
 */
public abstract class PaywitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;

    /**
     * A component error: its WIT error type, case and payload make the message.
     *
     * @param witType the WIT error type ({@code "verify-error"})
     * @param code the WIT case name ({@code "no-matching-signature"})
     * @param details the case's payload, or null
     */
    PaywitException(String witType, String code, Object details) {
        super("paywit: " + witType + ": " + code + (details == null ? "" : ": " + details));
        this.code = code;
    }

    /**
     * An error of paywit itself (an invalid argument, a guest fault).
     *
     * @param code the error's code
     * @param message the whole message
     * @param cause what caused it, or null
     */
    PaywitException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /**
     * The WIT case name ({@code "no-matching-signature"}), {@code "invalid-argument"} or
     * {@code "guest-fault"}.
     *
     * @return the code
     */
    public String code() {
        return code;
    }

    /**
     * The case's payload (each case's class narrows the type), or null for a case without one.
     *
     * @return the payload, or null
     */
    public Object details() {
        return null;
    }
}
