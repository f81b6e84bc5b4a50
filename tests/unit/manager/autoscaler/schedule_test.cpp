// Schedule windows follow the local wall clock of their IANA zone: checked at UTC instants on
// both sides of window edges, across midnight, and across the DST changes of 2026 in New York
// (8 March, 1 November) and Berlin (29 March, 25 October).
#include "manager/autoscaler/schedule.h"

#include <gtest/gtest.h>

#include <chrono>

namespace corral::autoscale {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using store::AutoscaleSchedule;
using store::kEveryDay;

std::chrono::system_clock::time_point utc(int y, unsigned m, unsigned d, int h, int mi) {
  return std::chrono::sys_days{std::chrono::year{y} / m / d} + hours{h} + minutes{mi};
}

uint8_t days(std::initializer_list<const char*> names) {
  uint8_t out = 0;
  for (const char* n : names) out |= weekday_bit(n).value();
  return out;
}

AutoscaleSchedule window(uint8_t on, const char* start, const char* end, const char* zone) {
  return {on, parse_clock_time(start, false).value(), parse_clock_time(end, true).value(), zone};
}

TEST(ScheduleTest, NoScheduleIsAlwaysActive) { EXPECT_TRUE(schedule_active({}, utc(2026, 1, 1, 3, 0))); }

TEST(ScheduleTest, OfficeHoursInNewYorkFollowTheWallClockAcrossTheSpringChange) {
  const Schedules office{
      window(days({"monday", "tuesday", "wednesday", "thursday", "friday"}), "09:00", "17:00", "America/New_York")};
  // Friday 6 March: EST, UTC-5.
  EXPECT_FALSE(schedule_active(office, utc(2026, 3, 6, 13, 59)));
  EXPECT_TRUE(schedule_active(office, utc(2026, 3, 6, 14, 0)));
  EXPECT_TRUE(schedule_active(office, utc(2026, 3, 6, 21, 59)));
  EXPECT_FALSE(schedule_active(office, utc(2026, 3, 6, 22, 0)));
  // Saturday: not listed.
  EXPECT_FALSE(schedule_active(office, utc(2026, 3, 7, 15, 0)));
  // Monday 9 March: EDT, UTC-4; the same local hours are an hour earlier in UTC.
  EXPECT_FALSE(schedule_active(office, utc(2026, 3, 9, 12, 59)));
  EXPECT_TRUE(schedule_active(office, utc(2026, 3, 9, 13, 0)));
  EXPECT_TRUE(schedule_active(office, utc(2026, 3, 9, 20, 59)));
  EXPECT_FALSE(schedule_active(office, utc(2026, 3, 9, 21, 0)));
}

TEST(ScheduleTest, AWindowCrossingMidnightBelongsToTheDayItStarts) {
  const Schedules friday_night{window(days({"friday"}), "22:00", "06:00", "Europe/Berlin")};
  // Berlin in March before the change: CET, UTC+1.
  EXPECT_FALSE(schedule_active(friday_night, utc(2026, 3, 26, 22, 0)));   // Thursday 23:00
  EXPECT_FALSE(schedule_active(friday_night, utc(2026, 3, 27, 20, 59)));  // Friday 21:59
  EXPECT_TRUE(schedule_active(friday_night, utc(2026, 3, 27, 21, 0)));    // Friday 22:00
  EXPECT_TRUE(schedule_active(friday_night, utc(2026, 3, 27, 23, 30)));   // Saturday 00:30
  EXPECT_TRUE(schedule_active(friday_night, utc(2026, 3, 28, 4, 59)));    // Saturday 05:59
  EXPECT_FALSE(schedule_active(friday_night, utc(2026, 3, 28, 5, 0)));    // Saturday 06:00
  EXPECT_FALSE(schedule_active(friday_night, utc(2026, 3, 28, 21, 30)));  // Saturday 22:30: not listed
}

TEST(ScheduleTest, AWindowInTheSkippedHourDoesNotOpenAndOneAcrossItShrinks) {
  const Schedules skipped{window(kEveryDay, "02:00", "02:30", "Europe/Berlin")};
  // 29 March: 01:00 UTC is 02:00 CET, which becomes 03:00 CEST.
  for (int m = 0; m < 180; ++m) {
    EXPECT_FALSE(schedule_active(skipped, utc(2026, 3, 29, 0, 0) + minutes{m})) << "minute " << m;
  }
  EXPECT_TRUE(schedule_active(skipped, utc(2026, 3, 30, 0, 15)));  // the next night, 02:15 CEST

  const Schedules across{window(kEveryDay, "01:30", "03:30", "Europe/Berlin")};
  EXPECT_FALSE(schedule_active(across, utc(2026, 3, 29, 0, 29)));  // 01:29 CET
  EXPECT_TRUE(schedule_active(across, utc(2026, 3, 29, 0, 30)));   // 01:30 CET
  EXPECT_TRUE(schedule_active(across, utc(2026, 3, 29, 1, 0)));    // 03:00 CEST
  EXPECT_FALSE(schedule_active(across, utc(2026, 3, 29, 1, 30)));  // 03:30 CEST: one hour in all
}

TEST(ScheduleTest, AWindowInTheRepeatedHourIsActiveBothTimes) {
  const Schedules repeated{window(days({"sunday"}), "02:00", "02:30", "Europe/Berlin")};
  // 25 October: 01:00 UTC is 03:00 CEST, which becomes 02:00 CET.
  EXPECT_FALSE(schedule_active(repeated, utc(2026, 10, 24, 23, 59)));  // 01:59 CEST
  EXPECT_TRUE(schedule_active(repeated, utc(2026, 10, 25, 0, 15)));    // 02:15 CEST
  EXPECT_FALSE(schedule_active(repeated, utc(2026, 10, 25, 0, 45)));   // 02:45 CEST
  EXPECT_TRUE(schedule_active(repeated, utc(2026, 10, 25, 1, 15)));    // 02:15 CET
  EXPECT_FALSE(schedule_active(repeated, utc(2026, 10, 25, 1, 30)));   // 02:30 CET
}

TEST(ScheduleTest, AMidnightWindowAcrossTheAutumnChangeInNewYork) {
  const Schedules saturday_late{window(days({"saturday"}), "23:00", "01:00", "America/New_York")};
  // Saturday 31 October, EDT (UTC-4); at 06:00 UTC on Sunday the clocks go from 02:00 back to 01:00.
  EXPECT_FALSE(schedule_active(saturday_late, utc(2026, 11, 1, 2, 59)));  // Saturday 22:59 EDT
  EXPECT_TRUE(schedule_active(saturday_late, utc(2026, 11, 1, 3, 0)));    // Saturday 23:00 EDT
  EXPECT_TRUE(schedule_active(saturday_late, utc(2026, 11, 1, 4, 30)));   // Sunday 00:30 EDT
  EXPECT_FALSE(schedule_active(saturday_late, utc(2026, 11, 1, 5, 0)));   // Sunday 01:00 EDT
  EXPECT_FALSE(schedule_active(saturday_late, utc(2026, 11, 1, 6, 30)));  // Sunday 01:30 EST
}

TEST(ScheduleTest, EndOfDayAndAnyOfSeveralWindows) {
  const Schedules evenings{window(days({"sunday"}), "18:00", "24:00", "UTC"),
                           window(days({"wednesday"}), "06:00", "07:00", "Asia/Tokyo")};
  EXPECT_TRUE(schedule_active(evenings, utc(2026, 12, 6, 23, 59)));  // Sunday
  EXPECT_FALSE(schedule_active(evenings, utc(2026, 12, 7, 0, 0)));   // Monday
  // Wednesday 06:30 in Tokyo (UTC+9) is Tuesday 21:30 UTC.
  EXPECT_TRUE(schedule_active(evenings, utc(2026, 12, 8, 21, 30)));
  EXPECT_FALSE(schedule_active(evenings, utc(2026, 12, 9, 6, 30)));
}

TEST(ScheduleTest, AnUnknownZoneIsNeverActive) {
  EXPECT_FALSE(schedule_active({window(kEveryDay, "00:00", "24:00", "Mars/Olympus_Mons")}, utc(2026, 6, 1, 12, 0)));
  EXPECT_TRUE(time_zone_known("Europe/Berlin"));
  EXPECT_TRUE(time_zone_known("UTC"));
  EXPECT_FALSE(time_zone_known("Mars/Olympus_Mons"));
  EXPECT_FALSE(time_zone_known(""));
}

TEST(ScheduleTest, ClockTimesAndWeekdayNames) {
  EXPECT_EQ(parse_clock_time("00:00", false), 0);
  EXPECT_EQ(parse_clock_time("23:59", false), 1439);
  EXPECT_EQ(parse_clock_time("24:00", true), 1440);
  for (const char* bad : {"24:00", "9:00", "09:60", "25:00", "0900", "09:00 ", "ab:cd", ""}) {
    EXPECT_FALSE(parse_clock_time(bad, false).has_value()) << bad;
  }
  EXPECT_FALSE(parse_clock_time("24:01", true).has_value());
  EXPECT_EQ(format_clock_time(0), "00:00");
  EXPECT_EQ(format_clock_time(1440), "24:00");
  EXPECT_EQ(format_clock_time(9 * 60 + 5), "09:05");
  EXPECT_EQ(weekday_bit("sunday"), 1);
  EXPECT_EQ(weekday_bit("saturday"), 0x40);
  EXPECT_FALSE(weekday_bit("Monday").has_value());
  EXPECT_STREQ(weekday_name(1), "monday");
}

}  // namespace
}  // namespace corral::autoscale
