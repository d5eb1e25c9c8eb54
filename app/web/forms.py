"""WTForms forms, with Vietnamese labels and messages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import Choice
from wtforms.validators import EqualTo, InputRequired, Length, Optional, Regexp

from app.services.typed_text import without_bidi

REQUIRED = "Vui lòng nhập {}."


def required(field: str):
    return InputRequired(message=REQUIRED.format(field))


class PickField(SelectField):
    """A required choice. Its first option is an empty "— Chọn —" placeholder (HTML requires one
    on a required <select>, and it keeps a first option from being picked by not looking);
    left on it, the field's own Vietnamese "Vui lòng nhập …" answers."""

    def iter_choices(self):
        blank = Choice(value="", label="— Chọn —", selected=not self.data, render_kw=None)
        return [blank, *super().iter_choices()]

    def pre_validate(self, form):
        if self.data:
            super().pre_validate(form)


class LoginForm(FlaskForm):
    email = EmailField("Thư điện tử", validators=[required("thư điện tử")])
    password = PasswordField("Mật khẩu", validators=[required("mật khẩu")])


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Mật khẩu hiện tại", validators=[required("mật khẩu hiện tại")])
    new = PasswordField("Mật khẩu mới", validators=[
        required("mật khẩu mới"),
        Length(min=10, message="Mật khẩu mới cần ít nhất 10 ký tự.")])
    confirm = PasswordField("Nhập lại mật khẩu mới", validators=[
        required("lại mật khẩu mới"), EqualTo("new", message="Hai mật khẩu mới không khớp.")])


class UserForm(FlaskForm):
    email = EmailField("Thư điện tử", validators=[
        required("thư điện tử"), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                       message="Thư điện tử không hợp lệ.")])
    full_name = StringField("Họ và tên", validators=[required("họ và tên"), Length(max=200)],
                            filters=[without_bidi])
    role = PickField("Vai trò", validators=[required("vai trò")])
    unit = SelectField("Đơn vị (với cán bộ đơn vị)", validators=[Optional()], default="")
    password = PasswordField("Mật khẩu ban đầu", validators=[
        required("mật khẩu ban đầu"), Length(min=10, message="Mật khẩu cần ít nhất 10 ký tự.")])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("Mật khẩu mới", validators=[
        required("mật khẩu mới"), Length(min=10, message="Mật khẩu cần ít nhất 10 ký tự.")])


class ImportUsersForm(FlaskForm):
    file = FileField("Tệp Excel (.xlsx) hoặc CSV", render_kw={"accept": ".xlsx,.csv"})


class ImportSchemeForm(FlaskForm):
    file = FileField("Tệp Excel (.xlsx) của bộ chỉ số", render_kw={"accept": ".xlsx"})


class PeriodForm(FlaskForm):
    scheme = PickField("Bộ chỉ số", validators=[required("bộ chỉ số")])
    code = StringField("Kỳ báo cáo", validators=[required("kỳ báo cáo")],
                       description="Ví dụ: 2022 (năm), 2022S1 (6 tháng), 2022Q1 (quý), 202203 (tháng)")
    deadline = DateField("Hạn nộp mới (nếu hạn theo lịch đã qua)", validators=[Optional()])


class DeadlineForm(FlaskForm):
    deadline = DateField("Hạn nộp", validators=[InputRequired(message="Vui lòng chọn hạn nộp.")])
    past_ok = BooleanField("Tôi hiểu hạn này đã qua")


class UnitForm(FlaskForm):
    name = StringField("Tên đơn vị", validators=[required("tên đơn vị"), Length(max=200)],
                       filters=[without_bidi])
    code = StringField("Mã đơn vị", validators=[required("mã đơn vị"), Length(max=60)])
    type = PickField("Loại đơn vị", validators=[required("loại đơn vị")])
    parent = SelectField("Trực thuộc", validators=[Optional()], default="")
    valid_from = DateField("Hiệu lực từ", validators=[Optional()])
    valid_to = DateField("Hiệu lực đến", validators=[Optional()])


class ProvinceForm(FlaskForm):
    plugin = PickField("Plugin của tỉnh", validators=[required("plugin")])
    public = BooleanField("Công khai kết quả đã công bố")
