package io.github.paywit;

import java.time.Instant;

/**
 * The optional parts of a verification: {@link #DEFAULTS} verifies now, with the scheme's own
 * replay window, without a URL; each {@code with…} method returns a copy with one part set.
 *
 * @param now the time the delivery is checked against; null means the current time
 * @param toleranceSeconds the replay window in seconds (0 to 4294967295); null means the scheme's
 *     default
 * @param url the full URL the delivery was sent to, for schemes that sign it (Square); null means
 *     none
 */
public record WebhookOptions(Instant now, Long toleranceSeconds, String url) {
    /** Now, the scheme's window, no URL. */
    public static final WebhookOptions DEFAULTS = new WebhookOptions(null, null, null);

    /**
     * These options checked against {@code now}.
     *
     * @param now the time to check against (null: the current time)
     * @return a copy with {@code now} set
     */
    public WebhookOptions withNow(Instant now) {
        return new WebhookOptions(now, toleranceSeconds, url);
    }

    /**
     * These options with another replay window.
     *
     * @param toleranceSeconds the window in seconds (null: the scheme's default)
     * @return a copy with the window set
     */
    public WebhookOptions withToleranceSeconds(Long toleranceSeconds) {
        return new WebhookOptions(now, toleranceSeconds, url);
    }

    /**
     * These options with the URL the delivery was sent to.
     *
     * @param url the URL (null: none)
     * @return a copy with the URL set
     */
    public WebhookOptions withUrl(String url) {
        return new WebhookOptions(now, toleranceSeconds, url);
    }
}
