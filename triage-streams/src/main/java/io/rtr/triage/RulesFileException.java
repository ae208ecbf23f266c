package io.rtr.triage;

import java.util.List;
import org.apache.kafka.common.config.ConfigException;

/** A rules file that cannot be used; the message lists every problem with the rule id and field. */
public class RulesFileException extends ConfigException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    RulesFileException(String source, List<String> problems) {
        super("Invalid triage rules file " + source + ": " + String.join("; ", problems)
                + ". Fix the file and start again.");
        this.problems = List.copyOf(problems);
    }

    /** Each problem on its own, e.g. {@code rule 'screening-age' (#8): field 'min': must be an integer}. */
    public List<String> problems() {
        return problems;
    }
}
