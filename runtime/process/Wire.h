// Moved to cluster/Wire.h (the encoding is the cluster layer's); kept until
// every includer is updated.
#include "cluster/Wire.h"
