"""Tencent RTC scheduled rooms (TUIRoomKit "Conference"), the second provider: UserSig,
the room client, the error catalogue, the row mapping and the quota scopes."""
