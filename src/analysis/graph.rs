//! The conflict graph.
