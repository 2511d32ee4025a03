package dev.ferry.weights;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An unpickled Python tuple. Separate from lists (plain {@code ArrayList}) because the two behave
 * differently in a pickle: only lists may be appended to, only tuples are argument lists.
 *
 * @param items the elements (an unmodifiable copy; may contain nulls for Python None)
 */
record PyTuple(List<Object> items) {
    PyTuple {
        items = Collections.unmodifiableList(new ArrayList<>(items));
    }

    int size() {
        return items.size();
    }

    Object get(int i) {
        return items.get(i);
    }
}
