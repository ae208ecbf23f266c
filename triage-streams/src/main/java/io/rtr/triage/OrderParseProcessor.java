package io.rtr.triage;

import io.rtr.schemas.OrderContext;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns Debezium change events of the orders table into orders keyed by accession number (a null
 * value deletes), ready to be repartitioned next to the studies; unusable events become dead letters.
 */
final class OrderParseProcessor implements Processor<String, String, String, Outcome<OrderContext, DeadLetter>> {

    static final String STAGE = "triage-streams/orders";
    private static final Logger log = LoggerFactory.getLogger(OrderParseProcessor.class);

    private ProcessorContext<String, Outcome<OrderContext, DeadLetter>> context;

    @Override
    public void init(ProcessorContext<String, Outcome<OrderContext, DeadLetter>> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, String> record) {
        OrderChange change;
        try {
            change = OrderChange.parse(record.value());
        } catch (IllegalArgumentException e) {
            String message = "order change event cannot be used: " + e.getMessage();
            log.warn("Order change event sent to the dead-letter topic: {}. Check the Debezium connector's "
                    + "converter and the orders table's columns.", message);
            context.forward(new Record<String, Outcome<OrderContext, DeadLetter>>(record.key(),
                    Outcome.sideValue(new DeadLetter(bytes(record.key()), bytes(record.value()))), record.timestamp(),
                    DeadLetter.headers(record.headers(), context, STAGE, DeadLetter.INVALID_ORDER, message, e)));
            return;
        }
        if (change == null) {
            return; // Debezium's tombstone after a delete: the delete event itself was handled.
        }
        context.forward(record.withKey(change.accessionNumber()).withValue(Outcome.mainValue(change.order())));
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }
}
