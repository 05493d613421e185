"""Group chats: quiz sessions of native quiz polls, leaderboards, the daily class quiz, the
decks the quizzes draw from, and who is in the class (one feature, one module per part)."""
