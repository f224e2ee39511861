"""Fields shared by several sheet kinds, with the header aliases the README documents."""

from sheets_schema.headers import Field

STUDENT_ID = Field(
    "student_id",
    "Student ID",
    ("Student ID", "ID", "Student #", "Student Number", "Student No", "SIS ID", "Learner ID"),
)
STUDENT_NAME = Field(
    "student_name", "Student name", ("Student Name", "Student", "Name", "Full Name")
)
FIRST_NAME = Field(
    "first_name", "First name", ("First Name", "First", "Given Name", "Preferred Name")
)
LAST_NAME = Field("last_name", "Last name", ("Last Name", "Last", "Surname", "Family Name"))
STUDENT_EMAIL = Field("student_email", "Student e-mail", ("Student Email", "Student E-mail"))
