//! shelfgate
