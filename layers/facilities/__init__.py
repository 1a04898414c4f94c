"""Public facilities, their rooms, bookings and the monthly lottery (施設予約・抽選)."""
